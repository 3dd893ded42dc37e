module mcpfirewall.test/differential/goserver

go 1.19
