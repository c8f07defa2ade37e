module example.com/nginx-golang-postgres/backend

go 1.18

require (
	github.com/gorilla/mux v1.8.0
	github.com/lib/pq v1.10.3
)
