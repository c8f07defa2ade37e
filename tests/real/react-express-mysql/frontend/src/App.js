import React, { useEffect, useState } from "react";

export default function App() {
  const [greeting, setGreeting] = useState("...");
  useEffect(() => {
    fetch("/api/greeting")
      .then((res) => res.json())
      .then((body) => setGreeting(body.greeting));
  }, []);
  return <h1>{greeting}</h1>;
}
