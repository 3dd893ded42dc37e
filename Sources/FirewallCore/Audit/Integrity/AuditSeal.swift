import Crypto

/// A signed statement of which audit files exist and where each session's chain stands, so rotation
/// and retention can be proven: which files, which sessions, nothing cut (as CloudTrail's digest
/// files do). One JSON line; seals appended to one file chain to each other by `previous_seal`, so a
/// removed seal shows too. `mcp-firewall audit seal` writes them, `audit verify --seal` checks them.
///
/// The line ends `,"signature":"<Base64>"}`; the signature is Ed25519 over `domain` followed by every
/// byte before `,"signature":"` (as written; verifiers slice, never re-serialise).
package struct AuditSeal: Sendable, Equatable {
    package struct File: Sendable, Equatable {
        /// The file's name as given (its last path component).
        package var name: String
        package var size: Int
        /// SHA-256 of its first `size` bytes, hex.
        package var sha256: String

        package init(name: String, size: Int, sha256: String) {
            self.name = name
            self.size = size
            self.sha256 = sha256
        }
    }

    package struct Session: Sendable, Equatable {
        package var session: String
        package var lastSeq: Int
        /// The `h` of record `lastSeq`.
        package var head: AuditHash
        package var ended: Bool

        package init(session: String, lastSeq: Int, head: AuditHash, ended: Bool) {
            self.session = session
            self.lastSeq = lastSeq
            self.head = head
            self.ended = ended
        }
    }

    package static let domain: [UInt8] = Array("mcp-firewall audit seal v1\n".utf8)
    private static let signatureKey: [UInt8] = Array(#","signature":""#.utf8)

    package var sealedAt: String
    /// SHA-256 (hex) of the previous seal's line in the same seal file, without its newline.
    package var previousSeal: String?
    package var files: [File]
    package var sessions: [Session]
    package var keyID: String

    package init(sealedAt: String, previousSeal: String?, files: [File], sessions: [Session], keyID: String) {
        self.sealedAt = sealedAt
        self.previousSeal = previousSeal
        self.files = files
        self.sessions = sessions
        self.keyID = keyID
    }

    /// The signed line, with its newline.
    package func line(signedWith key: AuditSigningKey) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.field("v", 1)
        writer.field("type", "mcp-firewall.audit.seal")
        writer.field("sealed_at", sealedAt)
        writer.key("previous_seal")
        if let previousSeal { writer.string(previousSeal) } else { writer.null() }
        writer.key("files")
        writer.beginArray()
        for file in files {
            writer.beginObject()
            writer.field("name", file.name)
            writer.field("size", file.size)
            writer.field("sha256", file.sha256)
            writer.endObject()
        }
        writer.endArray()
        writer.key("sessions")
        writer.beginArray()
        for session in sessions {
            writer.beginObject()
            writer.field("session", session.session)
            writer.field("last_seq", session.lastSeq)
            writer.field("head", session.head.description)
            writer.field("ended", session.ended)
            writer.endObject()
        }
        writer.endArray()
        writer.field("key_id", keyID)
        writer.endObject()
        var body = writer.take()
        body.removeLast()
        let signature = key.sign(Self.domain + body)
        body += Self.signatureKey + Array(Base64.encode(signature).utf8) + Array(#""}"#.utf8) + [0x0A]
        return body
    }

    /// Reads a seal line (without its newline) and checks its signature with `key`.
    package static func read(_ line: ArraySlice<UInt8>, key: AuditPublicKey?) -> Result<(AuditSeal, Bool?), Failure> {
        guard let record = try? JSONParser.parse(Array(line), rules: .document),
            record["type"]?.stringValue == "mcp-firewall.audit.seal", let sealedAt = record["sealed_at"]?.stringValue,
            let keyID = record["key_id"]?.stringValue, case .array(let files)? = record["files"],
            case .array(let sessions)? = record["sessions"], let signature = record["signature"]?.stringValue,
            let signatureBytes = Base64.decode(signature)
        else { return .failure(Failure("not a seal line")) }
        var seal = AuditSeal(
            sealedAt: sealedAt, previousSeal: record["previous_seal"]?.stringValue, files: [], sessions: [],
            keyID: keyID)
        for file in files {
            guard let name = file["name"]?.stringValue, let size = file["size"].flatMap(AuditVerifier.int),
                let digest = file["sha256"]?.stringValue
            else { return .failure(Failure("a file entry is incomplete")) }
            seal.files.append(File(name: name, size: size, sha256: digest))
        }
        for session in sessions {
            guard let id = session["session"]?.stringValue, let seq = session["last_seq"].flatMap(AuditVerifier.int),
                let head = session["head"]?.stringValue.flatMap({ AuditHash(hex: $0) }),
                let ended = session["ended"], case .bool(let flag) = ended
            else { return .failure(Failure("a session entry is incomplete")) }
            seal.sessions.append(Session(session: id, lastSeq: seq, head: head, ended: flag))
        }
        guard let key else { return .success((seal, nil)) }
        guard key.keyIDHex == keyID else { return .success((seal, false)) }
        let bytes = Array(line)
        guard let cut = lastRange(of: signatureKey, in: bytes) else { return .failure(Failure("no signature member")) }
        return .success((seal, key.isValid(signature: signatureBytes, for: domain + bytes[..<cut])))
    }

    /// SHA-256 (hex) of a seal line as `previous_seal` names it.
    package static func digest(of line: ArraySlice<UInt8>) -> String {
        SHA256.hash(data: Array(line)).hexString
    }

    private static func lastRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.count - needle.count
        while index >= 0 {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index -= 1
        }
        return nil
    }

    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }
}
