// A small blog API: it reads PostgreSQL's password from the compose
// secret, fills a table, and serves its titles as JSON on :8000.
package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gorilla/mux"
	_ "github.com/lib/pq"
)

func open() (*sql.DB, error) {
	password, err := os.ReadFile("/run/secrets/db-password")
	if err != nil {
		return nil, err
	}
	dsn := fmt.Sprintf("postgres://postgres:%s@db:5432/example?sslmode=disable", strings.TrimSpace(string(password)))
	return sql.Open("postgres", dsn)
}

func titles(w http.ResponseWriter, r *http.Request) {
	db, err := open()
	if err != nil {
		http.Error(w, "no database", http.StatusInternalServerError)
		return
	}
	defer db.Close()
	rows, err := db.Query("SELECT title FROM blog")
	if err != nil {
		http.Error(w, "query failed", http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var title string
		if rows.Scan(&title) == nil {
			out = append(out, title)
		}
	}
	json.NewEncoder(w).Encode(out)
}

// seed waits up to a minute for the database, then recreates the table.
func seed() error {
	db, err := open()
	if err != nil {
		return err
	}
	defer db.Close()
	for i := 0; i < 60 && db.Ping() != nil; i++ {
		time.Sleep(time.Second)
	}
	if _, err := db.Exec("DROP TABLE IF EXISTS blog; CREATE TABLE blog (id SERIAL, title VARCHAR)"); err != nil {
		return err
	}
	for i := 1; i <= 3; i++ {
		if _, err := db.Exec("INSERT INTO blog (title) VALUES ($1)", fmt.Sprintf("Post %d", i)); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if err := seed(); err != nil {
		log.Fatal(err)
	}
	r := mux.NewRouter()
	r.HandleFunc("/", titles)
	log.Fatal(http.ListenAndServe(":8000", r))
}
