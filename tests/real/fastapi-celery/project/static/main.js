async function queue(seconds) {
  const res = await fetch("/tasks", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ seconds }),
  });
  const { task_id } = await res.json();
  const item = document.createElement("li");
  item.textContent = task_id;
  document.getElementById("tasks").appendChild(item);
}
