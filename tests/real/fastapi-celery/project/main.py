"""Queue a task, and report its state."""
from celery.result import AsyncResult
from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from worker import create_task

app = FastAPI()
app.mount("/static", StaticFiles(directory="static"), name="static")
templates = Jinja2Templates(directory="templates")


@app.get("/")
def home(request: Request):
    return templates.TemplateResponse("home.html", {"request": request})


@app.post("/tasks", status_code=201)
def run_task(payload=Body(...)):
    task = create_task.delay(int(payload["seconds"]))
    return JSONResponse({"task_id": task.id})


@app.get("/tasks/{task_id}")
def task_status(task_id):
    result = AsyncResult(task_id)
    return JSONResponse({"task_id": task_id, "status": result.status, "result": result.result})
