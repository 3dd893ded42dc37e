import Foundation
import Testing

@testable import FirewallCore

/// `schemas/policy-v1.schema.json` stays in step with the loader: same keys, same words, same documents.
///
/// `.ci/interop/test_policy_schema.py` checks the other half with a real JSON Schema validator: every
/// shipped policy validates, and every document of the bad corpus fails both the schema and `policy check`.
struct PolicySchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func schema() throws -> JSONValue {
        let data = try #require(FileManager.default.contents(atPath: root + "/schemas/policy-v1.schema.json"))
        return try JSONParser.parse(Array(data))
    }

    /// The member names of an object value.
    static func keys(_ value: JSONValue?) -> Set<String> {
        guard case .object(let members)? = value else { return [] }
        return Set(members.map(\.key))
    }

    /// The strings of an `enum` array.
    static func words(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value?["enum"] else { return [] }
        return items.compactMap(\.stringValue)
    }

    @Test func propertiesAreTheKeysTheLoaderAccepts() throws {
        let schema = try Self.schema()
        let definitions = schema["$defs"]
        #expect(schema["$schema"]?.stringValue == "https://json-schema.org/draft/2020-12/schema")
        #expect(Self.keys(schema["properties"]) == Set(PolicyLoader.topLevelKeys))
        #expect(Self.keys(definitions?["rule"]?["properties"]) == Set(PolicyLoader.ruleKeys))
        #expect(Self.keys(definitions?["operators"]?["properties"]) == Set(PolicyLoader.operatorKeys))
        #expect(Self.keys(definitions?["environment"]?["properties"]) == Set(PolicyLoader.environmentKeys))
        #expect(Self.keys(definitions?["approval"]?["properties"]) == Set(PolicyLoader.approvalKeys))
        #expect(Self.keys(definitions?["ruleApproval"]?["properties"]) == Set(PolicyLoader.ruleApprovalKeys))
        #expect(Self.words(definitions?["channel"]) == ApprovalSettings.Channel.allCases.map(\.rawValue))
        #expect(Self.keys(definitions?["defaults"]?["properties"]) == Set(ToolClass.allCases.map(\.rawValue)))
        #expect(Self.keys(definitions?["unlisted"]?["properties"]) == ["class", "decision"])
        #expect(Self.keys(definitions?["audit"]?["properties"]) == Set(PolicyLoader.auditKeys))
        #expect(Self.keys(definitions?["redaction"]?["properties"]) == Set(PolicyLoader.redactionKeys))
        #expect(
            Self.keys(definitions?["redaction"]?["properties"]?["patterns"]?["items"]?["properties"])
                == Set(PolicyLoader.redactionPatternKeys))
        #expect(Self.keys(definitions?["httpSink"]?["properties"]) == Set(PolicyLoader.httpSinkKeys))
        #expect(Self.keys(definitions?["stderrSink"]?["properties"]) == Set(PolicyLoader.stderrSinkKeys))
        #expect(
            Self.words(definitions?["onSinkFailure"]) == AuditSinkSettings.OnFailure.allCases.map(\.rawValue))
        #expect(
            Self.words(definitions?["httpSink"]?["properties"]?["format"])
                == AuditSinkSettings.BodyFormat.allCases.map(\.rawValue))
    }

    @Test func enumerationsAreTheLoadersWords() throws {
        let definitions = try Self.schema()["$defs"]
        #expect(Self.words(definitions?["decision"]) == Decision.allCases.map(\.rawValue))
        #expect(Self.words(definitions?["class"]) == ToolClass.allCases.map(\.rawValue))
        #expect(
            Self.words(definitions?["unlisted"]?["properties"]?["class"])
                == ["annotations"] + ToolClass.allCases.map(\.rawValue))
        #expect(
            Self.words(definitions?["approval"]?["properties"]?["unattended"])
                == Policy.Unattended.allCases.map(\.rawValue))
        #expect(Self.words(definitions?["redactionRule"]) == RedactionSettings.builtInRuleNames)
        #expect(
            Self.words(definitions?["redaction"]?["properties"]?["mode"])
                == RedactionSettings.Mode.allCases.map(\.rawValue))
    }

    /// Every object the schema describes rejects unknown keys, as the loader does, except the two
    /// mappings whose keys are the author's: `when:` (argument paths) and `environments:` (names).
    @Test func everyFixedMappingRejectsUnknownKeys() throws {
        var open: [String] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                if value["type"]?.stringValue == "object", value["properties"] != nil,
                    value["additionalProperties"] != .bool(false)
                {
                    open.append(path)
                }
                for member in members { walk(member.value, path + "/" + member.key) }
            case .array(let items):
                for (index, item) in items.enumerated() { walk(item, path + "/\(index)") }
            default:
                break
            }
        }
        walk(try Self.schema(), "#")
        #expect(open.isEmpty, "objects without additionalProperties: false: \(open)")
        let definitions = try Self.schema()["$defs"]
        #expect(definitions?["when"]?["additionalProperties"]?["$ref"]?.stringValue == "#/$defs/condition")
    }

    /// The corpus the Python check runs through a JSON Schema validator: the good documents load and the
    /// bad ones do not, so the corpus itself cannot drift from the loader.
    @Test func theSchemaCorpusMeansWhatItSays() throws {
        let folder = Self.root + "/.ci/interop/schema-corpus"
        for (kind, shouldLoad) in [("valid", true), ("invalid", false)] {
            let files = try FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(kind)")
                .filter { $0.hasSuffix(".yaml") }.sorted()
            #expect(files.count >= (shouldLoad ? 1 : 20), "\(kind) corpus")
            for file in files {
                // Read from disk, so that `extends:` finds its base as `policy check` would.
                let loaded =
                    (try? PolicyLoader.load(paths: ["\(folder)/\(kind)/\(file)"]) { path in
                        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
                    }) != nil
                #expect(loaded == shouldLoad, "\(kind)/\(file)")
            }
        }
    }
}
