import Crypto

/// An Ed25519 key that signs audit checkpoints, read from and written as PEM (PKCS #8 for the private
/// key, SubjectPublicKeyInfo for the public one), so OpenSSL and every other toolkit read them too.
package struct AuditSigningKey: Sendable {
    package let privateKey: Curve25519.Signing.PrivateKey

    package init(_ privateKey: Curve25519.Signing.PrivateKey = .init()) {
        self.privateKey = privateKey
    }

    /// Reads a `-----BEGIN PRIVATE KEY-----` block holding an Ed25519 key.
    package init(pem: String) throws(AuditKeyError) {
        let der = try PEMBlock.decode(pem, label: "PRIVATE KEY")
        guard der.count == Self.pkcs8Prefix.count + 32, der.starts(with: Self.pkcs8Prefix) else {
            throw AuditKeyError("not an Ed25519 private key (PKCS #8); make one with `mcp-firewall audit keygen`")
        }
        do {
            privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        } catch {
            throw AuditKeyError("the Ed25519 private key cannot be read: \(error)")
        }
    }

    package var publicKey: AuditPublicKey { AuditPublicKey(privateKey.publicKey) }

    package var pem: String {
        PEMBlock.encode(Self.pkcs8Prefix + Array(privateKey.rawRepresentation), label: "PRIVATE KEY")
    }

    package func sign(_ message: [UInt8]) -> [UInt8] {
        // A failure here means BoringSSL itself failed; there is nothing a caller could do differently.
        guard let signature = try? privateKey.signature(for: message) else {
            preconditionFailure("Ed25519 signing failed")
        }
        return Array(signature)
    }

    /// DER of PrivateKeyInfo { version 0, AlgorithmIdentifier id-Ed25519, OCTET STRING { OCTET STRING key } }.
    static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]
}

/// The public half of an `AuditSigningKey`, as an auditor pins it.
package struct AuditPublicKey: Sendable, Equatable {
    package let key: Curve25519.Signing.PublicKey

    package init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
    }

    /// Reads a `-----BEGIN PUBLIC KEY-----` block holding an Ed25519 key.
    package init(pem: String) throws(AuditKeyError) {
        let der = try PEMBlock.decode(pem, label: "PUBLIC KEY")
        guard der.count == Self.spkiPrefix.count + 32, der.starts(with: Self.spkiPrefix) else {
            throw AuditKeyError("not an Ed25519 public key (SubjectPublicKeyInfo)")
        }
        do {
            key = try Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
        } catch {
            throw AuditKeyError("the Ed25519 public key cannot be read: \(error)")
        }
    }

    package var raw: [UInt8] { Array(key.rawRepresentation) }

    package var pem: String { PEMBlock.encode(Self.spkiPrefix + raw, label: "PUBLIC KEY") }

    /// The key's name in signed notes (C2SP `signed-note`).
    package static let noteName = "mcp-firewall-audit"

    /// The C2SP key ID: the first four bytes of SHA-256(name, newline, 0x01 for Ed25519, key).
    package var keyID: [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(Self.noteName.utf8) + [0x0A, 0x01] + raw)
        return Array(hasher.finalize().prefix(4))
    }

    /// `keyID` in hex, as records carry it.
    package var keyIDHex: String { keyID.hexString }

    package func isValid(signature: [UInt8], for message: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: message)
    }

    package static func == (lhs: AuditPublicKey, rhs: AuditPublicKey) -> Bool { lhs.raw == rhs.raw }

    /// DER of SubjectPublicKeyInfo { AlgorithmIdentifier id-Ed25519, BIT STRING key }.
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
}

package struct AuditKeyError: Error, Sendable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}

/// One PEM block (RFC 7468, strict form): the label lines and Base64 lines of at most 64 characters.
enum PEMBlock {
    static func decode(_ text: String, label: String) throws(AuditKeyError) -> [UInt8] {
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingSpaces }
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        guard let first = lines.firstIndex(of: begin) else {
            throw AuditKeyError("no `\(begin)` line (is this the right file?)")
        }
        guard let last = lines[first...].firstIndex(of: end) else { throw AuditKeyError("no `\(end)` line") }
        guard let der = Base64.decode(lines[(first + 1)..<last].joined()) else {
            throw AuditKeyError("the text between `\(begin)` and `\(end)` is not Base64")
        }
        return der
    }

    static func encode(_ der: [UInt8], label: String) -> String {
        let body = Array(Base64.encode(der))
        var text = "-----BEGIN \(label)-----\n"
        var index = 0
        while index < body.count {
            text += String(body[index..<min(index + 64, body.count)]) + "\n"
            index += 64
        }
        return text + "-----END \(label)-----\n"
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
