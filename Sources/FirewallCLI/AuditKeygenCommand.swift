import ArgumentParser
import FirewallCore

/// `mcp-firewall audit keygen PREFIX`: a new Ed25519 key pair for signing audit checkpoints.
struct AuditKeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new Ed25519 key pair for signing audit checkpoints: PREFIX.key (0600) and PREFIX.pub.",
        discussion: """
            Give PREFIX.key to the proxy (--audit-signing-key) and PREFIX.pub to whoever verifies the logs \
            (audit verify --public-key). Both are PEM (PKCS #8 and SubjectPublicKeyInfo), so OpenSSL reads \
            them too. A key on the same machine, readable by the proxy's user, proves the log was not \
            changed after it left the machine, not against someone who can run as that user: keep the \
            logs or an anchor (--audit-anchor) where that user cannot write. Existing files are never \
            overwritten.
            """
    )

    @Argument(help: "Path prefix of the two files to write.")
    var prefix: String

    func run() async throws {
        let key = AuditSigningKey()
        do {
            try AuditKeyFiles.write(key, prefix: prefix)
        } catch {
            StandardError.write("mcp-firewall: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
        print("wrote \(prefix).key (private, mode 0600) and \(prefix).pub; key id \(key.publicKey.keyIDHex)")
    }
}
