document.getElementById("root").textContent = "Full Stack FastAPI";
