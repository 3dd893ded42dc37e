// Differential decoder 3: a Go MCP stdio server decoding the way mark3labs/mcp-go and most
// hand-written Go servers do, with the standard library only:
//
//   - bufio.Scanner lines (a big buffer): a line ends at "\n" only, a trailing "\r" is dropped;
//   - json.Unmarshal of the line into a struct with `json:"method"`, `json:"id"` (RawMessage),
//     `json:"params"` (RawMessage) tags;
//   - tools/call params into a struct with `json:"name"`, `json:"arguments"`, `json:"_meta"`;
//   - the arguments bound into a struct with `json:"path"`, `json:"text"`, `json:"kind"` tags.
//
// encoding/json matches object keys to struct fields case-insensitively (Unicode simple folding:
// "Method", "METHOD", "paramſ" with U+017F, "\u212Aind" with the Kelvin sign), and the LAST key
// that matches a field wins. That is the point of this server. (mcp-go's BindArguments goes
// through a map first, so it sees the keys sorted; unmarshalling the raw arguments, as here and
// in handlers that take json.RawMessage, keeps the wire order.) Nothing touches the filesystem.
//
//	go_server                  serve MCP on stdio; log JSON lines to $DIFF_LOG, raw stdin to $DIFF_LOG.raw
//	go_server -split-frames    read a JSON array of base64 frames on stdin, print the lines
//	                           bufio.Scanner makes of each (a JSON array of arrays of strings)
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

type message struct {
	JSONRPC string          `json:"jsonrpc"`
	Method  string          `json:"method"`
	ID      json.RawMessage `json:"id"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

type callParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Meta      json.RawMessage `json:"_meta"`
}

type toolArgs struct {
	Path *string `json:"path"`
	Text *string `json:"text"`
	Kind *string `json:"kind"`
}

var logFile *os.File

func logEvent(record map[string]any) {
	record["server"] = "go"
	data, err := json.Marshal(record) // escapes U+2028/U+2029; U+0085 stays UTF-8 (not a line end here)
	if err != nil {
		data, _ = json.Marshal(map[string]any{"server": "go", "event": "log_error", "error": err.Error()})
	}
	logFile.Write(append(data, '\n'))
}

func raw(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func newScanner(r io.Reader) *bufio.Scanner {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 1<<20), 128<<20)
	return s
}

var tools = []map[string]any{
	{"name": "echo", "description": "Echo the text back.", "inputSchema": map[string]any{
		"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}}, "required": []string{"text"}}},
	{"name": "write_file", "description": "Pretend to write a file (logs only).", "inputSchema": map[string]any{
		"type": "object", "properties": map[string]any{"path": map[string]any{"type": "string"},
			"text": map[string]any{"type": "string"}, "kind": map[string]any{"type": "string"}},
		"required": []string{"path", "text"}}},
	{"name": "delete_all", "description": "Pretend to delete everything (logs only).", "inputSchema": map[string]any{
		"type": "object", "properties": map[string]any{}}},
}

func callTool(msg *message) (any, map[string]any) {
	var p callParams
	if len(msg.Params) > 0 {
		if err := json.Unmarshal(msg.Params, &p); err != nil {
			return nil, map[string]any{"code": -32602, "message": "invalid params: " + err.Error()}
		}
	}
	var a toolArgs
	if len(p.Arguments) > 0 && string(p.Arguments) != "null" {
		if err := json.Unmarshal(p.Arguments, &a); err != nil {
			return nil, map[string]any{"code": -32602, "message": "invalid arguments: " + err.Error()}
		}
	}
	view := map[string]any{}
	switch p.Name {
	case "echo":
		if a.Text != nil {
			view["text"] = *a.Text
		}
	case "write_file":
		if a.Path != nil {
			view["path"] = *a.Path
		}
		if a.Text != nil {
			view["text"] = *a.Text
		}
		if a.Kind != nil {
			view["kind"] = *a.Kind
		}
	case "delete_all":
	default:
		return nil, map[string]any{"code": -32602, "message": "unknown tool: " + p.Name}
	}
	logEvent(map[string]any{"event": "call", "tool": p.Name, "arguments": view, "meta": raw(p.Meta),
		"id_key": string(msg.ID)})
	text := "deleted everything"
	switch p.Name {
	case "echo":
		text = fmt.Sprint(view["text"])
	case "write_file":
		text = fmt.Sprintf("wrote %d bytes to %v", len(fmt.Sprint(view["text"])), view["path"])
	}
	return map[string]any{"content": []any{map[string]any{"type": "text", "text": text}}, "isError": false}, nil
}

func serve() {
	var err error
	logFile, err = os.OpenFile(os.Getenv("DIFF_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rawFile, err := os.OpenFile(os.Getenv("DIFF_LOG")+".raw", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	send := func(id json.RawMessage, result any, rpcErr map[string]any) {
		reply := map[string]any{"jsonrpc": "2.0", "id": id}
		if rpcErr != nil {
			reply["error"] = rpcErr
		} else {
			reply["result"] = result
		}
		data, _ := json.Marshal(reply)
		out.Write(append(data, '\n'))
		out.Flush()
	}
	scanner := newScanner(io.TeeReader(os.Stdin, rawFile))
	for scanner.Scan() {
		line := scanner.Bytes()
		logEvent(map[string]any{"event": "raw_line", "line": string(line)})
		var msg message
		if err := json.Unmarshal(line, &msg); err != nil {
			logEvent(map[string]any{"event": "decode_error", "error": err.Error()})
			send(json.RawMessage("null"), nil, map[string]any{"code": -32700, "message": "parse error"})
			continue
		}
		isNotification := len(msg.ID) == 0 || string(msg.ID) == "null"
		record := map[string]any{"event": "message"}
		switch {
		case msg.Method != "" && isNotification:
			record["kind"] = "notification"
		case msg.Method != "":
			record["kind"] = "request"
		case len(msg.Result) > 0 || len(msg.Error) > 0:
			record["kind"] = "response"
		default:
			record["kind"] = "other"
		}
		if msg.Method != "" {
			record["method"] = msg.Method
		}
		if !isNotification {
			record["id"] = msg.ID
			record["id_key"] = string(msg.ID)
		}
		if msg.Method == "tools/call" {
			var p callParams
			if json.Unmarshal(msg.Params, &p) == nil {
				record["tool"] = p.Name
			}
		}
		logEvent(record)
		if record["kind"] != "request" {
			continue
		}
		switch msg.Method {
		case "initialize":
			var p struct {
				ProtocolVersion string `json:"protocolVersion"`
			}
			json.Unmarshal(msg.Params, &p)
			if p.ProtocolVersion == "" {
				p.ProtocolVersion = "2025-11-25"
			}
			send(msg.ID, map[string]any{"protocolVersion": p.ProtocolVersion, "capabilities": map[string]any{"tools": map[string]any{}},
				"serverInfo": map[string]any{"name": "differential-go", "version": "1.0.0"}}, nil)
		case "ping":
			send(msg.ID, map[string]any{}, nil)
		case "tools/list":
			send(msg.ID, map[string]any{"tools": tools}, nil)
		case "tools/call":
			result, rpcErr := callTool(&msg)
			send(msg.ID, result, rpcErr)
		default:
			send(msg.ID, nil, map[string]any{"code": -32601, "message": "method not found: " + msg.Method})
		}
	}
	if err := scanner.Err(); err != nil {
		logEvent(map[string]any{"event": "scan_error", "error": err.Error()})
	}
}

func splitFrames() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var frames []string
	if err := json.Unmarshal(input, &frames); err != nil {
		panic(err)
	}
	out := make([][]string, 0, len(frames))
	for _, b64 := range frames {
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			panic(err)
		}
		lines := []string{}
		s := newScanner(bytes.NewReader(data))
		for s.Scan() {
			lines = append(lines, s.Text())
		}
		out = append(out, lines)
	}
	data, _ := json.Marshal(out)
	os.Stdout.Write(append(data, '\n'))
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-split-frames" {
		splitFrames()
		return
	}
	serve()
}
