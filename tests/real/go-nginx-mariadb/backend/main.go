// The blog API: reads the database password from the secret file, creates
// and fills its table on start, and lists the titles as JSON on port 8000.
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

	_ "github.com/go-sql-driver/mysql"
	"github.com/gorilla/handlers"
	"github.com/gorilla/mux"
)

func open() (*sql.DB, error) {
	password, err := os.ReadFile("/run/secrets/db-password")
	if err != nil {
		return nil, err
	}
	dsn := fmt.Sprintf("root:%s@tcp(db:3306)/example", strings.TrimSpace(string(password)))
	return sql.Open("mysql", dsn)
}

func titles(w http.ResponseWriter, _ *http.Request) {
	db, err := open()
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	defer db.Close()
	rows, err := db.Query("SELECT title FROM blog")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var list []string
	for rows.Next() {
		var title string
		if rows.Scan(&title) == nil {
			list = append(list, title)
		}
	}
	_ = json.NewEncoder(w).Encode(list)
}

func seed() error {
	db, err := open()
	if err != nil {
		return err
	}
	defer db.Close()
	for i := 0; i < 60 && db.Ping() != nil; i++ {
		time.Sleep(time.Second)
	}
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS blog (id int NOT NULL AUTO_INCREMENT, title varchar(255), PRIMARY KEY (id))"); err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		if _, err := db.Exec("INSERT INTO blog (title) VALUES (?)", fmt.Sprintf("Blog post #%d", i)); err != nil {
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
	log.Print("listening on :8000")
	log.Fatal(http.ListenAndServe(":8000", handlers.LoggingHandler(os.Stdout, r)))
}
