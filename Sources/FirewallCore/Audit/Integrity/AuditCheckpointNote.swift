/// The text a checkpoint signs, in the C2SP signed-note body form: an origin line naming the session,
/// the sequence number of the chain head, the head in Base64, and the time, each ending in a newline.
///
/// ```
/// mcp-firewall/audit/v2/4c1f…
/// 42
/// q3Vb…=
/// time 2026-12-08T10:00:00.000000Z
/// ```
/// With the signature line a C2SP note verifier accepts it (key name `mcp-firewall-audit`).
package enum AuditCheckpointNote {
    package static func text(session: String, headSeq: Int, head: AuditHash, time: String) -> String {
        "mcp-firewall/audit/v2/\(session)\n\(headSeq)\n\(Base64.encode(head.raw))\ntime \(time)\n"
    }

    /// The full signed note: the text, a blank line, and `— <name> base64(key ID ‖ signature)`.
    package static func signedNote(text: String, keyID: [UInt8], signature: [UInt8]) -> String {
        text + "\n\u{2014} \(AuditPublicKey.noteName) \(Base64.encode(keyID + signature))\n"
    }
}
