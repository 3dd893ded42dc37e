/// What the encoder redacted in one record: written as the record's `redactions` (and, past
/// `Redactor.findingLimit` entries, `redactions_omitted`).
package struct AuditRedactions: Sendable {
    package private(set) var findings: [RedactionFinding] = []
    package private(set) var omitted = 0

    package init() {}

    package var isEmpty: Bool { findings.isEmpty && omitted == 0 }

    /// Adds findings whose paths point into the value at `field` (a JSON Pointer into the record).
    mutating func add(_ found: [RedactionFinding], omitted more: Int, under field: String) {
        for finding in found {
            append(RedactionFinding(path: field + finding.path, rule: finding.rule, embedded: finding.embedded))
        }
        omitted += more
    }

    /// Adds findings inside the text held by the string at `field`: their paths become `embedded`.
    mutating func add(_ found: [RedactionFinding], omitted more: Int, within field: String) {
        for finding in found {
            append(
                RedactionFinding(path: field, rule: finding.rule, embedded: finding.path.isEmpty ? nil : finding.path))
        }
        omitted += more
    }

    /// Adds everything `other` holds, after what this holds.
    mutating func append(contentsOf other: AuditRedactions) {
        for finding in other.findings { append(finding) }
        omitted += other.omitted
    }

    private mutating func append(_ finding: RedactionFinding) {
        if findings.count < Redactor.findingLimit {
            findings.append(finding)
        } else {
            omitted += 1
        }
    }

    /// Writes `"redactions":[{"path":…,"rule":…},…]` (and `"redactions_omitted":N`); nothing when empty.
    package func write(to writer: inout JSONWriter) {
        guard !isEmpty else { return }
        writer.key("redactions")
        writer.beginArray()
        for finding in findings {
            writer.beginObject()
            writer.field("path", finding.path)
            writer.field("rule", finding.rule)
            writer.field("embedded", finding.embedded)
            writer.endObject()
        }
        writer.endArray()
        if omitted > 0 { writer.field("redactions_omitted", omitted) }
    }

    /// `text` as one JSON Pointer reference token (`~` → `~0`, `/` → `~1`).
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
