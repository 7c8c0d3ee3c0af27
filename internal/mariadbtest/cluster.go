package mariadbtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures [StartCluster].
type Options struct {
	// Dir is the parent folder of the data directories, one per node, named
	// after the node. It must exist, such as t.TempDir() in tests.
	Dir string
	// Name is the cluster name, which names the nodes <Name>-a, <Name>-b
	// and so on. It allows letters, digits, '-' and '_'. Empty means
	// "cluster".
	Name string
	// Nodes is the number of servers, at least 1. Node 0 starts as the
	// primary and the others replicate from it with read_only=ON.
	Nodes int
	// User and Password name the probe account created on every node with
	// the least privileges a probe needs (see [MariaDBProbePrivilege]),
	// for any client host. An empty User creates no account.
	User     string
	Password string
	// Log, when set, receives one line per step.
	Log io.Writer
	// Binaries overrides the programs found by [Find].
	Binaries Binaries
	// ExtraArgs are appended to every node's mariadbd command line, after
	// the options this package sets, so that one given here (such as
	// --max-connections=3000) replaces the package's value.
	ExtraArgs []string
}

// Cluster is a set of mariadbd servers on loopback joined by GTID
// replication. Its methods must not be called concurrently with each other,
// but the methods of its nodes may be.
type Cluster struct {
	Name  string
	Nodes []*Node

	bins      Binaries
	extraArgs []string
	sockDir   string // a short folder of its own for the sockets, see maxSocketPath
	log       io.Writer
	logMu     sync.Mutex

	primary int
	closed  bool
}

// maxSocketPath is the longest unix socket path that works on both Linux
// (108 bytes with the terminating NUL) and macOS (104).
const maxSocketPath = 103

// lastServerID makes server ids unique among all servers of the process.
var lastServerID atomic.Int64

// StartCluster copies a freshly initialized data directory for every node,
// starts the nodes concurrently on free loopback ports, creates the probe
// account on node 0 and attaches the other nodes to it. It returns when
// every replica has applied everything node 0 wrote. ctx bounds the start
// only: the servers run until [Cluster.Close].
func StartCluster(ctx context.Context, opts Options) (c *Cluster, err error) {
	begin := time.Now()
	mark := begin
	lap := func() time.Duration {
		d := time.Since(mark)
		mark = time.Now()
		return d.Round(time.Millisecond)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = "cluster"
	}
	bins := opts.Binaries
	if bins == (Binaries{}) {
		if bins, err = Find(); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("start cluster %s: %w", opts.Name, err)
	}
	tmpl, err := loadTemplate(ctx, bins)
	if err != nil {
		return nil, fmt.Errorf("start cluster %s: %w", opts.Name, err)
	}
	templateTime := lap()
	sockDir, err := os.MkdirTemp("", "mariadbtest-")
	if err != nil {
		return nil, fmt.Errorf("start cluster %s: %w", opts.Name, err)
	}

	// The error returns below set c to nil, so the cleanup keeps its own
	// reference to the cluster.
	started := &Cluster{Name: opts.Name, bins: bins, extraArgs: opts.ExtraArgs, sockDir: sockDir, log: opts.Log}
	c = started
	defer func() {
		if err != nil {
			err = errors.Join(err, started.Close())
			c = nil
		}
	}()
	if err := c.addNodes(dir, opts.Nodes, tmpl); err != nil {
		return nil, fmt.Errorf("start cluster %s: %w", opts.Name, err)
	}
	copyTime := lap()
	if err := c.startAll(ctx); err != nil {
		return nil, fmt.Errorf("start cluster %s: %w", opts.Name, err)
	}
	startTime := lap()
	if err := c.setUp(ctx, opts.User, opts.Password); err != nil {
		return nil, fmt.Errorf("start cluster %s: %w", opts.Name, err)
	}
	c.logf("cluster %s: %d nodes ready in %s (template %s, copies %s, start %s, replication %s)",
		c.Name, len(c.Nodes), time.Since(begin).Round(time.Millisecond), templateTime, copyTime, startTime, lap())
	return c, nil
}

func (o Options) validate() error {
	if o.Dir == "" {
		return errors.New("start cluster: Options.Dir is empty: give a parent folder for the data directories")
	}
	if o.Nodes < 1 {
		return fmt.Errorf("start cluster: Options.Nodes is %d: want at least 1", o.Nodes)
	}
	for _, r := range o.Name {
		ok := r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("start cluster: Options.Name %q: use letters, digits, '-' and '_' only", o.Name)
		}
	}
	return nil
}

// addNodes creates the nodes with their ports, and copies the template into
// their data directories concurrently.
func (c *Cluster) addNodes(dir string, count int, tmpl *dataTemplate) error {
	ports, err := freePorts(count)
	if err != nil {
		return err
	}
	for i := range count {
		name := nodeName(c.Name, i)
		socket := filepath.Join(c.sockDir, strconv.Itoa(i)+".sock")
		if len(socket) > maxSocketPath {
			return fmt.Errorf("node %s: socket path %s is %d bytes, over the %d-byte limit: set TMPDIR to a shorter folder",
				name, socket, len(socket), maxSocketPath)
		}
		connector, err := rootConnector(socket)
		if err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		n := &Node{
			Name:      name,
			Index:     i,
			Port:      ports[i],
			Address:   net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i])),
			ServerID:  int(lastServerID.Add(1)),
			DataDir:   filepath.Join(dir, name),
			Socket:    socket,
			extraArgs: c.extraArgs,
			connector: connector,
		}
		c.Nodes = append(c.Nodes, n)
	}

	errs := make([]error, count)
	var wg sync.WaitGroup
	for i, n := range c.Nodes {
		wg.Go(func() {
			if err := tmpl.writeTo(n.DataDir); err != nil {
				errs[i] = fmt.Errorf("node %s: %w", n.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func nodeName(cluster string, i int) string {
	if i < 26 {
		return fmt.Sprintf("%s-%c", cluster, 'a'+i)
	}
	return fmt.Sprintf("%s-%d", cluster, i)
}

// startAll starts every node concurrently, node 0 writable and the others
// read-only.
func (c *Cluster) startAll(ctx context.Context) error {
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i, n := range c.Nodes {
		wg.Go(func() {
			errs[i] = c.startNode(ctx, n, i != 0, true)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// maxPortAttempts bounds the retries of a first start whose port was taken
// between choosing it and mariadbd binding it.
const maxPortAttempts = 3

// startNode starts n. When newPortOnClash is set and the port was taken, it
// retries on another free port.
func (c *Cluster) startNode(ctx context.Context, n *Node, readOnly, newPortOnClash bool) error {
	begin := time.Now()
	for attempt := 1; ; attempt++ {
		err := n.launch(ctx, c.bins.Server, readOnly)
		if err == nil {
			break
		}
		if !newPortOnClash || !errors.Is(err, errPortInUse) || attempt == maxPortAttempts {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		ports, portErr := freePorts(1)
		if portErr != nil {
			return fmt.Errorf("node %s: %w", n.Name, errors.Join(err, portErr))
		}
		c.logf("node %s: port %d taken, retrying on %d", n.Name, n.Port, ports[0])
		n.Port = ports[0]
		n.Address = net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port))
	}
	c.logf("node %s: started on %s (pid %d, server_id %d, read_only %s) in %s",
		n.Name, n.Address, n.PID, n.ServerID, onOff(readOnly), time.Since(begin).Round(time.Millisecond))
	return nil
}

// setUp creates the probe account on node 0, attaches the other nodes to it
// and waits until they applied everything it wrote.
func (c *Cluster) setUp(ctx context.Context, user, password string) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	primary := c.Nodes[0]
	if user != "" {
		if err := primary.Exec(ctx, "CREATE USER ?@'%' IDENTIFIED BY ?", user, password); err != nil {
			return fmt.Errorf("create probe account: %w", err)
		}
		grant := "GRANT " + MariaDBProbePrivilege + " ON *.* TO ?@'%'"
		if err := primary.Exec(ctx, grant, user); err != nil {
			return fmt.Errorf("grant probe account: %w", err)
		}
	}
	if err := c.attachAll(ctx, 0); err != nil {
		return err
	}
	return c.WaitReplicated(ctx)
}

// Primary returns the index of the node this package last made primary.
// [Cluster.SetReadOnly] does not change it.
func (c *Cluster) Primary() int { return c.primary }

// PrimaryNode returns the node this package last made primary.
func (c *Cluster) PrimaryNode() *Node { return c.Nodes[c.primary] }

// Close stops every mariadbd this cluster started, by PID: SIGTERM first,
// then SIGKILL for a server still running after a bound. It closes the root
// pools and removes the socket folder it made, but not the data directories,
// which live in the caller's folder. Calling Close again does nothing.
func (c *Cluster) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i, n := range c.Nodes {
		wg.Go(func() {
			n.closeDB()
			errs[i] = n.stop(stopTimeout)
		})
	}
	wg.Wait()
	if err := os.RemoveAll(c.sockDir); err != nil {
		errs = append(errs, fmt.Errorf("remove socket folder: %w", err))
	}
	c.logf("cluster %s: closed", c.Name)
	return errors.Join(errs...)
}

// freePorts returns count distinct TCP ports that were free on 127.0.0.1. All
// listeners stay open until every port is chosen, so no port repeats.
func freePorts(count int) ([]int, error) {
	ports := make([]int, 0, count)
	for range count {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer listener.Close()
		ports = append(ports, listener.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (c *Cluster) logf(format string, args ...any) {
	if c.log == nil {
		return
	}
	c.logMu.Lock()
	defer c.logMu.Unlock()
	fmt.Fprintf(c.log, "mariadbtest: "+format+"\n", args...)
}
