// Command bookmarks is the Go service of specs/go-postgres.spec: an HTTP
// server on :8000 that nginx forwards to, in the place of the backend of
// docker/awesome-compose's nginx-golang-postgres.
//
// The original lists blog posts from PostgreSQL through lib/pq. This
// stand-in uses the standard library only, so its image builds without
// downloading a module: it reads the database password from the secret file
// compose mounts and reports whether the database accepts connections, which
// is what the stack around it is about.
//
// `bookmarks -healthcheck` asks a running server for /healthz and exits 0 or
// 1: the image has no shell and no curl, so this is its health probe.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const listenAddress = ":8000"

// config is what the stack's spec sets in the environment.
type config struct {
	databaseAddress string // DB_HOST and DB_PORT
	databaseName    string // DB_NAME
	databaseUser    string // DB_USER
	password        string // read from the compose secret's file
}

func main() {
	healthcheck := flag.Bool("healthcheck", false, "ask the running server for /healthz and exit 0 if it answers 200")
	flag.Parse()
	if *healthcheck {
		os.Exit(probe("http://127.0.0.1" + listenAddress + "/healthz"))
	}

	cfg, err := loadConfig()
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{
		Addr:              listenAddress,
		Handler:           routes(cfg),
		ReadHeaderTimeout: 5 * time.Second,
	}

	// Compose stops a container with SIGTERM: finish the requests in
	// flight, then exit, within compose's 10 seconds.
	stop, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()
	go func() {
		<-stop.Done()
		shutdown, done := context.WithTimeout(context.Background(), 8*time.Second)
		defer done()
		if err := server.Shutdown(shutdown); err != nil {
			log.Print(err)
		}
	}()

	log.Printf("listening on %s", listenAddress)
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func loadConfig() (config, error) {
	cfg := config{
		databaseAddress: net.JoinHostPort(getenv("DB_HOST", "db"), getenv("DB_PORT", "5432")),
		databaseName:    getenv("DB_NAME", "postgres"),
		databaseUser:    getenv("DB_USER", "postgres"),
	}
	// Where compose mounts the secret `db-password`; DB_PASSWORD_FILE
	// names another file, as a `secret DB_PASSWORD = NAME` would set it.
	path := getenv("DB_PASSWORD_FILE", "/run/secrets/db-password")
	secret, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("reading the database password: %w", err)
	}
	cfg.password = strings.TrimSpace(string(secret))
	return cfg, nil
}

func routes(cfg config) http.Handler {
	mux := http.NewServeMux()
	// The process is up: what the healthcheck asks, never the database.
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		status := map[string]any{
			"database":  cfg.databaseName,
			"user":      cfg.databaseUser,
			"password":  cfg.password != "",
			"reachable": reachable(r.Context(), cfg.databaseAddress),
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(status); err != nil {
			log.Print(err)
		}
	})
	return logRequests(mux)
}

// reachable reports whether the database accepts a TCP connection.
func reachable(ctx context.Context, address string) bool {
	dialer := net.Dialer{Timeout: 2 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", address)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := time.Now()
		next.ServeHTTP(w, r)
		log.Printf("%s %s %s", r.Method, r.URL.RequestURI(), time.Since(started))
	})
}

func probe(url string) int {
	client := http.Client{Timeout: 2 * time.Second}
	response, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	response.Body.Close()
	if response.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, response.Status)
		return 1
	}
	return 0
}

func getenv(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
