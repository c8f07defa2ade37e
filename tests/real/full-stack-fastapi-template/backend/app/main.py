"""The API, and the built frontend at /."""
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    PROJECT_NAME: str
    SECRET_KEY: str
    DATABASE_URL: str


settings = Settings()
app = FastAPI(title=settings.PROJECT_NAME)


@app.get("/api/v1/utils/health-check/")
def health_check() -> bool:
    return True


app.mount("/", StaticFiles(directory=Path(__file__).parent / "frontend", html=True))
