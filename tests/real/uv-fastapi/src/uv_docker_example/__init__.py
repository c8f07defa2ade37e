from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"hello": "world"}


def hello() -> None:
    print("Hello from uv-docker-example!")
