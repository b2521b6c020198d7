// A minimal CNI runtime over libcni (the library containerd and podman use), for the tests and the
// benchmark: ADD, CHECK or DEL of a conflist, or N ADD+DEL cycles timed one by one.
//
//	driver add|check|del CONFDIR NETNAME CONTAINERID NETNS IFNAME CACHEDIR PLUGINDIR...
//	driver cycles N CONFDIR NETNAME CONTAINERID NETNS IFNAME CACHEDIR PLUGINDIR...
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/containernetworking/cni/libcni"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	args := os.Args[1:]
	if len(args) < 8 {
		fail(fmt.Errorf("usage: driver add|check|del CONFDIR NETNAME CONTAINERID NETNS IFNAME CACHEDIR PLUGINDIR..."))
	}
	verb := args[0]
	cycles := 0
	if verb == "cycles" {
		n, err := strconv.Atoi(args[1])
		if err != nil {
			fail(err)
		}
		cycles = n
		args = args[1:]
	}
	list, err := libcni.LoadConfList(args[1], args[2])
	if err != nil {
		fail(err)
	}
	cni := libcni.NewCNIConfigWithCacheDir(args[7:], args[6], nil)
	rt := &libcni.RuntimeConf{ContainerID: args[3], NetNS: args[4], IfName: args[5]}
	ctx := context.Background()
	switch verb {
	case "add":
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail(err)
		}
		out, _ := json.Marshal(res)
		fmt.Println(string(out))
	case "check":
		if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "del":
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "cycles":
		// one line per cycle: ADD ms, DEL ms
		for i := 0; i < cycles; i++ {
			t0 := time.Now()
			if _, err := cni.AddNetworkList(ctx, list, rt); err != nil {
				fail(err)
			}
			t1 := time.Now()
			if err := cni.DelNetworkList(ctx, list, rt); err != nil {
				fail(err)
			}
			t2 := time.Now()
			fmt.Printf("%.3f %.3f\n", float64(t1.Sub(t0).Microseconds())/1000, float64(t2.Sub(t1).Microseconds())/1000)
		}
	default:
		fail(fmt.Errorf("unknown verb %s", verb))
	}
}
