package mariadbtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// faultServer accepts TCP connections on 127.0.0.1 and hands each one to
// serve. Close closes the listener and every accepted connection, then waits
// for all of its goroutines.
type faultServer struct {
	Address string // 127.0.0.1:<port>

	listener net.Listener
	serve    func(net.Conn)
	wg       sync.WaitGroup

	received atomic.Int64 // bytes read from clients, for tests

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// countingWriter adds the length of every write to n.
type countingWriter struct{ n *atomic.Int64 }

func (w countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

func newFaultServer(serve func(net.Conn)) (*faultServer, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	s := &faultServer{
		Address:  listener.Addr().String(),
		listener: listener,
		serve:    serve,
		conns:    map[net.Conn]struct{}{},
	}
	s.wg.Go(s.acceptLoop)
	return s, nil
}

func (s *faultServer) acceptLoop() {
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			// The listener was closed or failed for good, so nothing
			// more can be accepted.
			return
		}
		if !s.track(conn) {
			conn.Close()
			return
		}
		s.wg.Go(func() {
			defer s.untrack(conn)
			s.serve(conn)
			// Keep the connection open and silent until the client
			// leaves or Close closes it.
			_, _ = io.Copy(countingWriter{&s.received}, conn)
		})
	}
}

// track records conn, or reports false when the server is closed.
func (s *faultServer) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[conn] = struct{}{}
	return true
}

func (s *faultServer) untrack(conn net.Conn) {
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
	conn.Close()
}

// Close stops accepting, closes every accepted connection and returns once
// no goroutine of the server is left. Calling it again does nothing.
func (s *faultServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.listener.Close()
	for conn := range s.conns {
		conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Blackhole is a hung server, which accepts TCP connections on 127.0.0.1 and
// never writes a byte.
type Blackhole struct {
	Address string // 127.0.0.1:<port>
	server  *faultServer
}

// NewBlackhole starts a [Blackhole] on a free loopback port.
func NewBlackhole() (*Blackhole, error) {
	s, err := newFaultServer(func(net.Conn) {})
	if err != nil {
		return nil, fmt.Errorf("start blackhole: %w", err)
	}
	return &Blackhole{Address: s.Address, server: s}, nil
}

// Close stops accepting, closes every accepted connection and returns once
// no goroutine of the server is left. Calling it again does nothing.
func (b *Blackhole) Close() error { return b.server.Close() }

// Staller is a server that stalls after the handshake. It sends a valid
// MySQL protocol version 10 initial handshake, then reads the client's reply
// and never sends another byte.
type Staller struct {
	Address string // 127.0.0.1:<port>
	server  *faultServer
}

// NewStaller starts a [Staller] on a free loopback port.
func NewStaller() (*Staller, error) {
	var connID uint32
	var mu sync.Mutex
	s, err := newFaultServer(func(conn net.Conn) {
		mu.Lock()
		connID++
		id := connID
		mu.Unlock()
		// A failed write means the client left, and the drain that
		// follows ends at once.
		_, _ = conn.Write(handshakePacket(id))
	})
	if err != nil {
		return nil, fmt.Errorf("start staller: %w", err)
	}
	return &Staller{Address: s.Address, server: s}, nil
}

// Close stops accepting, closes every accepted connection and returns once
// no goroutine of the server is left. Calling it again does nothing.
func (s *Staller) Close() error { return s.server.Close() }

// Capability flags of the protocol, as numbered by MySQL and MariaDB.
const (
	capLongPassword     = 1 << 0
	capFoundRows        = 1 << 1
	capLongFlag         = 1 << 2
	capConnectWithDB    = 1 << 3
	capProtocol41       = 1 << 9
	capTransactions     = 1 << 13
	capSecureConnection = 1 << 15
	capPluginAuth       = 1 << 19
)

// handshakePacket returns an initial handshake packet (protocol version 10)
// offering mysql_native_password with a fixed scramble, framed with its
// 3-byte length and sequence number 0.
func handshakePacket(connID uint32) []byte {
	const plugin = "mysql_native_password"
	scramble := []byte("0123456789abcdefghij") // 20 bytes
	caps := uint32(capLongPassword | capFoundRows | capLongFlag | capConnectWithDB |
		capProtocol41 | capTransactions | capSecureConnection | capPluginAuth)

	var p []byte
	p = append(p, 10)                               // protocol version
	p = append(p, "5.5.5-10.11.0-stall"...)         // server version
	p = append(p, 0)                                //   terminator
	p = binary.LittleEndian.AppendUint32(p, connID) // connection id
	p = append(p, scramble[:8]...)                  // scramble, part 1
	p = append(p, 0)                                // filler
	p = binary.LittleEndian.AppendUint16(p, uint16(caps))
	p = append(p, 45)                          // utf8mb4_general_ci
	p = binary.LittleEndian.AppendUint16(p, 2) // status: autocommit
	p = binary.LittleEndian.AppendUint16(p, uint16(caps>>16))
	p = append(p, byte(len(scramble)+1)) // scramble length with terminator
	p = append(p, make([]byte, 10)...)   // reserved
	p = append(p, scramble[8:]...)       // scramble, part 2
	p = append(p, 0)                     //   terminator
	p = append(p, plugin...)             // auth plugin name
	p = append(p, 0)                     //   terminator

	header := []byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), 0}
	return append(header, p...)
}
