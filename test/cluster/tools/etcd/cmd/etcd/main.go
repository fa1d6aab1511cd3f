// Command etcd starts the pinned etcd server; etcd's own main package lives in
// a module of its own, so this wrapper calls the server module's entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
