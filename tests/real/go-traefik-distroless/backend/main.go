// A hello service on port 80, behind Traefik.
package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Hello from Docker!")
	})
	log.Fatal(http.ListenAndServe(":80", nil))
}
