module example.com/blog/backend

go 1.22

require (
	github.com/go-sql-driver/mysql v1.8.1
	github.com/gorilla/handlers v1.5.2
	github.com/gorilla/mux v1.8.1
)

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/felixge/httpsnoop v1.0.4 // indirect
)
