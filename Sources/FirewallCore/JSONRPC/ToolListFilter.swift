/// Removes tools from a `tools/list` response by splicing bytes: every tool that stays, and every
/// other byte of the message, goes out exactly as the server wrote it.
package enum ToolListFilter {
    /// A tool as listed by the server.
    package struct ListedTool: Sendable, Equatable {
        package var name: String
        package var annotations: ToolAnnotations?
    }

    /// The outcome of filtering one response.
    package struct Outcome: Sendable {
        /// Every tool the server listed, with its annotations.
        package var listed: [ListedTool]
        /// Names of the tools removed.
        package var removed: [String]
        /// The bytes to forward: the original frame when nothing was removed.
        package var frame: [UInt8]
        /// The result names a next page (`nextCursor`): the listing is not complete yet.
        package var hasNextPage = false
    }

    /// Whether no member of `value`, when an object, is a lone variant of a protocol name (`Name`, `Annotations`).
    private static func isExactlyNamed(_ value: JSONValue) -> Bool {
        guard case .object(let members) = value else { return true }
        return members.allSatisfy { ProtocolKeys.variant($0.key) == nil }
    }

    /// Filters the `result.tools` array of `frame`, dropping tools for which `remove` returns true.
    ///
    /// `frame` is a server frame that `WireFrame` admitted (`ServerMessage.frame`): the key rules already
    /// held for all of it. Returns nil when it has no well-formed `result.tools` array; the caller must then
    /// withhold it.
    package static func filter(_ frame: [UInt8], resultRange: Range<Int>, remove: (ListedTool) -> Bool) -> Outcome? {
        frame.withUnsafeBufferPointer { buffer -> Outcome? in
            guard let members = try? JSONParser.members(buffer, in: resultRange, rules: .structureOnly),
                let toolsRange = members.first(where: { $0.key == "tools" })?.value,
                let elementRanges = try? JSONParser.elements(buffer, in: toolsRange, rules: .structureOnly)
            else { return nil }
            // `"nextCursor": null` (some servers write it) means there is no next page.
            let hasNextPage = members.contains { member in
                member.key == "nextCursor" && !buffer[member.value].elementsEqual("null".utf8)
            }
            var listed: [ListedTool] = []
            var kept: [Range<Int>] = []
            var removed: [String] = []
            for range in elementRanges {
                guard
                    let value = try? JSONParser.parse(
                        UnsafeBufferPointer(rebasing: buffer[range]), rules: .structureOnly),
                    isExactlyNamed(value), isExactlyNamed(value["annotations"] ?? .object([])),
                    let name = value["name"]?.stringValue
                else {
                    // A tool entry the policy cannot read (colliding or variant keys, no name) cannot be
                    // judged: it is withheld, so an ambiguous entry can never smuggle a denied tool past
                    // the filter, nor show a client that decodes loosely a name the policy never saw.
                    removed.append("<unreadable tool entry>")
                    continue
                }
                let tool = ListedTool(name: name, annotations: value["annotations"].map(ToolAnnotations.init))
                listed.append(tool)
                if remove(tool) { removed.append(name) } else { kept.append(range) }
            }
            guard !removed.isEmpty else {
                return Outcome(listed: listed, removed: [], frame: frame, hasNextPage: hasNextPage)
            }
            var output: [UInt8] = []
            output.reserveCapacity(frame.count)
            output.append(contentsOf: buffer[..<toolsRange.lowerBound])
            output.append(UInt8(ascii: "["))
            for (index, range) in kept.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: buffer[range])
            }
            output.append(UInt8(ascii: "]"))
            output.append(contentsOf: buffer[toolsRange.upperBound...])
            return Outcome(listed: listed, removed: removed, frame: output, hasNextPage: hasNextPage)
        }
    }
}
