import FirewallCore
import Foundation

/// The audit redactor a policy asks for, with the HMAC key read from where `audit.redaction` names it.
enum RedactionSetup {
    /// Why the key cannot be used; the proxy refuses to start.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Shorter keys make the keyed hashes of short values guessable.
    static let minimumKeyBytes = 16

    /// The redactor for `settings`: masks, or keyed hashes under the key from `environment` or the file
    /// (`read` returns a file's bytes and permission bits, or nil when it cannot be read).
    static func redactor(
        _ settings: RedactionSettings, environment: [String: String],
        read: (String) -> (bytes: [UInt8], permissions: Int)? = readKeyFile
    ) throws(Failure) -> Redactor {
        guard settings.enabled, settings.mode == .hmac else { return Redactor(settings) }
        guard let source = settings.keySource else {
            throw Failure(description: "audit.redaction.mode is hmac, but no key is named")
        }
        var key: [UInt8]
        switch source {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw Failure(
                    description:
                        "audit.redaction.hmac_key_env names $\(name), which is not set (put at least "
                        + "\(minimumKeyBytes) random bytes in it, e.g. `openssl rand -base64 32`)")
            }
            key = Array(value.utf8)
        case .file(let path):
            guard let (bytes, permissions) = read(path) else {
                throw Failure(description: "cannot read the redaction key file \(path)")
            }
            guard permissions & 0o077 == 0 else {
                throw Failure(
                    description:
                        "the redaction key file \(path) can be read or written by group or others "
                        + "(mode \(String(permissions & 0o777, radix: 8))); `chmod 600 \(path)`")
            }
            key = bytes
            // A key written with `echo` ends in a newline that is no part of it.
            while let last = key.last, last == 0x0A || last == 0x0D { key.removeLast() }
        }
        guard key.count >= minimumKeyBytes else {
            throw Failure(
                description:
                    "the redaction key from \(source) is \(key.count) bytes; it must be at least \(minimumKeyBytes)")
        }
        return Redactor(settings, marker: .hmac(key: key))
    }

    /// Variables no child process may inherit: the redaction key (with it, hashed values can be guessed).
    static func withheldEnvironment(_ settings: RedactionSettings) -> Set<String> {
        guard case .environment(let name)? = settings.keySource else { return [] }
        return [name]
    }

    static func readKeyFile(_ path: String) -> (bytes: [UInt8], permissions: Int)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return (Array(data), permissions)
    }
}
