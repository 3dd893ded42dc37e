/// One frame as every peer will read it: the single place each message passes, in both directions,
/// before anything reads its content (docs/message-reading.md).
///
/// The frame must be strict JSON under the wire key rules (`KeyLedger`) at every depth. Bytes that
/// are valid JSON but that some line reader would split the frame at are rewritten to equivalent
/// JSON: a raw CR (outside strings, where it can only be whitespace) becomes a space, and U+2028,
/// U+2029 and U+0085 inside strings become `\u` escapes, which every JSON decoder reads back as the
/// same characters. Whatever reads the frame afterwards reads `bytes`, and `bytes` is what is forwarded.
package struct WireFrame: Sendable {
    /// The bytes to read and to forward: the frame as received, or its rewrite.
    package let bytes: [UInt8]
    /// The top-level object's members (key and value range in `bytes`); nil when it is not an object.
    package let members: [Member]?
    /// What was rewritten; empty when `bytes` is the frame as received.
    package let rewrites: JSONParser.Hazards
    /// The members of each top-level member whose value is an object (`params`, `result`, `error`).
    package let children: [String: [Member]]

    /// One top-level `"key": value`, with the value's byte range in `bytes`.
    package typealias Member = (key: String, value: Range<Int>)

    /// Reads `frame` under the wire rules, rewriting line-splitting bytes.
    package init(_ frame: [UInt8]) throws(JSONParseError) {
        var scanned = try Self.scan(frame, rules: .wire)
        let hazards = scanned.hazards
        var bytes = frame
        if hazards.lineSeparators {
            // Escapes are longer than the characters: the ranges move, so the rewrite is read again, for
            // its structure only (the keys it decodes to are the ones just checked).
            bytes = frame.withUnsafeBufferPointer(Self.rewrite)
            scanned = try Self.scan(bytes, rules: .structureOnly)
        } else if hazards.carriageReturns {
            // A space for a CR keeps every range where it was.
            bytes.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices where buffer[index] == 0x0D { buffer[index] = 0x20 }
            }
        }
        self.bytes = bytes
        self.rewrites = hazards
        self.children = scanned.children
        if case .object(let members) = scanned.topLevel {
            self.members = members
        } else {
            self.members = nil
        }
    }

    /// The id of a frame refused by the key rules, read leniently (the one exact `id`, variants ignored)
    /// so that an error can answer the request; nil when there is no single exact `id`.
    package static func lenientID(_ frame: [UInt8]) -> RequestID? {
        frame.withUnsafeBufferPointer { buffer -> RequestID? in
            guard case .object(let members)? = try? JSONParser.topLevelMembers(buffer, rules: .structureOnly),
                members.filter({ $0.key == "id" }).count == 1,
                let range = members.first(where: { $0.key == "id" })?.value,
                let value = try? JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[range]), rules: .structureOnly)
            else { return nil }
            return RequestID(value)
        }
    }

    /// Whether the top level is an array (a JSON-RPC batch).
    package var isArray: Bool {
        bytes.first { !JSONParser.isWhitespace($0) } == UInt8(ascii: "[")
    }

    /// The byte range of member `key`'s value.
    package func range(of key: String) -> Range<Int>? {
        members?.first { $0.key == key }?.value
    }

    /// Member `key`'s value. The key rules already held for every byte of the frame, so it is parsed
    /// for structure only.
    package func value(of key: String) throws(JSONParseError) -> JSONValue? {
        guard let range = range(of: key) else { return nil }
        return try value(in: range)
    }

    /// The value spanning `range` of `bytes` (which the key rules already held for).
    package func value(in range: Range<Int>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONParseError) {
                return .success(
                    try JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[range]), rules: .structureOnly))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private typealias Scan = (
        topLevel: JSONParser.TopLevel, hazards: JSONParser.Hazards, children: [String: [Member]]
    )

    private static func scan(_ frame: [UInt8], rules: JSONParser.KeyRules) throws(JSONParseError) -> Scan {
        let result: Result<Scan, JSONParseError> = frame.withUnsafeBufferPointer { buffer in
            do throws(JSONParseError) {
                return .success(try JSONParser.scanWithChildren(buffer, rules: rules))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `frame` (already valid JSON) with raw CRs as spaces and U+2028, U+2029, U+0085 as escapes.
    ///
    /// Valid JSON has a raw CR only as whitespace and these characters only inside strings, and UTF-8
    /// is self-synchronising, so a byte scan finds exactly them.
    static func rewrite(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let count = input.count
        // First the exact size (an escape is 6 bytes for 3 or 2), then one write of every byte.
        var size = count
        for index in 0..<count {
            let byte = input[index]
            if byte == 0xE2, index + 2 < count, input[index + 1] == 0x80,
                input[index + 2] == 0xA8 || input[index + 2] == 0xA9
            {
                size += 3
            } else if byte == 0xC2, index + 1 < count, input[index + 1] == 0x85 {
                size += 4
            }
        }
        return [UInt8](unsafeUninitializedCapacity: size) { output, written in
            var out = 0
            var index = 0
            func escape(_ hex: (UInt8, UInt8, UInt8, UInt8)) {
                output[out] = 0x5C
                output[out + 1] = UInt8(ascii: "u")
                output[out + 2] = hex.0
                output[out + 3] = hex.1
                output[out + 4] = hex.2
                output[out + 5] = hex.3
                out += 6
            }
            while index < count {
                let byte = input[index]
                if byte == 0x0D {
                    output[out] = 0x20
                    out += 1
                    index += 1
                } else if byte == 0xE2, index + 2 < count, input[index + 1] == 0x80,
                    input[index + 2] == 0xA8 || input[index + 2] == 0xA9
                {
                    escape((0x32, 0x30, 0x32, input[index + 2] == 0xA8 ? 0x38 : 0x39))
                    index += 3
                } else if byte == 0xC2, index + 1 < count, input[index + 1] == 0x85 {
                    escape((0x30, 0x30, 0x38, 0x35))
                    index += 2
                } else {
                    output[out] = byte
                    out += 1
                    index += 1
                }
            }
            written = out
        }
    }
}
