import React from "react";
import { createRoot } from "react-dom/client";
import axios from "axios";

function App() {
  const [todos, setTodos] = React.useState([]);
  React.useEffect(() => {
    axios.get("/api/todos").then((r) => setTodos(r.data));
  }, []);
  return <ul>{todos.map((t) => <li key={t._id}>{t.text}</li>)}</ul>;
}

createRoot(document.getElementById("root")).render(<App />);
