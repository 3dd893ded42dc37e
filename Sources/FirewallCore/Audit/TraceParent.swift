/// The W3C Trace Context `traceparent` a client may put in a request's `params._meta`
/// (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`): read, never injected.
package enum TraceParent {
    /// The trace id of a well-formed `traceparent` (version 00, ids not all zeros); nil otherwise.
    package static func traceID(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue else { return nil }
        let bytes = Array(text.utf8)
        guard bytes.count == 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
            bytes[52] == UInt8(ascii: "-"), bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0")
        else { return nil }
        func isHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        guard isHex(3..<35), isHex(36..<52), isHex(53..<55),
            bytes[3..<35].contains(where: { $0 != UInt8(ascii: "0") }),
            bytes[36..<52].contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        return String(decoding: bytes[3..<35], as: UTF8.self)
    }
}
