import Testing

@testable import FirewallCore

struct ArgumentConditionTests {
    enum Expected: Sendable { case holds, fails, error }

    struct Case: Sendable, CustomTestStringConvertible {
        var condition: String
        var arguments: String
        var expected: Expected
        var testDescription: String { "\(condition) on \(arguments) \(expected)" }

        init(_ condition: String, _ arguments: String, _ expected: Expected) {
            self.condition = condition
            self.arguments = arguments
            self.expected = expected
        }
    }

    static let cases: [Case] = [
        Case("n: 5", #"{"n":5}"#, .holds),
        Case("n: {equals: 5}", #"{"n":5.0}"#, .holds),
        Case("n: {equals: 5.0}", #"{"n":5}"#, .holds),
        Case("n: {equals: 5}", #"{"n":5e0}"#, .holds),
        Case("n: {equals: 5}", #"{"n":"5"}"#, .error),
        Case("x: {in: [1, 2]}", #"{"x":"2"}"#, .error),
        Case("x: {in: [1, two]}", #"{"x":"two"}"#, .holds),
        Case("b: {not_equals: main}", #"{"b":1}"#, .error),
        Case("n: {equals: 5}", #"{"n":6}"#, .fails),
        Case("n: {equals: 5}", "{}", .fails),
        Case("b: {equals: main}", #"{"b":"main"}"#, .holds),
        Case("b: {equals: [1, two]}", #"{"b":[1.0,"two"]}"#, .holds),
        Case("b: {equals: {k: v, n: 2}}", #"{"b":{"n":2,"k":"v"}}"#, .holds),
        Case("b: {equals: {k: v}}", #"{"b":{"k":"v","extra":1}}"#, .fails),
        Case("b: {not_equals: main}", #"{"b":"dev"}"#, .holds),
        Case("b: {not_equals: main}", #"{"b":"main"}"#, .fails),
        Case("b: {not_equals: main}", "{}", .holds),
        Case("x: {in: [a, b]}", #"{"x":"b"}"#, .holds),
        Case("x: {in: [a, b]}", #"{"x":"c"}"#, .fails),
        Case("x: {in: [1, 2]}", #"{"x":2.0}"#, .holds),
        Case("x: {in: [a]}", "{}", .fails),
        Case("x: {not_in: [a, b]}", #"{"x":"c"}"#, .holds),
        Case("x: {not_in: [a, b]}", #"{"x":"a"}"#, .fails),
        Case("x: {not_in: [1]}", #"{"x":1.0}"#, .fails),
        Case("x: {not_in: [a, b]}", "{}", .holds),
        Case("p: {glob: '/tmp/*'}", #"{"p":"/tmp/x/y"}"#, .holds),
        Case("p: {glob: '/tmp/*'}", #"{"p":"/etc/passwd"}"#, .fails),
        Case("p: {glob: '/tmp/*'}", #"{"p":5}"#, .error),
        Case("p: {glob: '/tmp/*'}", "{}", .fails),
        Case(#"c: {regex: 'rm\s+-rf'}"#, #"{"c":"sudo rm   -rf /"}"#, .holds),
        Case(#"c: {regex: 'rm\s+-rf'}"#, #"{"c":"ls -la"}"#, .fails),
        Case("c: {regex: '^/etc'}", #"{"c":"/tmp/etc"}"#, .fails),
        Case("c: {regex: '^/etc'}", #"{"c":"/etc/hosts"}"#, .holds),
        Case("c: {regex: 'x'}", #"{"c":["x"]}"#, .error),
        Case("n: {gt: 1000}", #"{"n":1000.5}"#, .holds),
        Case("n: {gt: 1000}", #"{"n":1000}"#, .fails),
        Case("n: {gt: 1000}", #"{"n":"2000"}"#, .error),
        Case("n: {gt: 1000}", #"{"n":true}"#, .error),
        Case("n: {gt: 1000}", #"{"n":null}"#, .error),
        Case("n: {gt: 1000}", "{}", .fails),
        Case("n: {gte: 1000}", #"{"n":1000}"#, .holds),
        Case("n: {gte: 1000}", #"{"n":999.99}"#, .fails),
        Case("n: {lt: 10}", #"{"n":9.99}"#, .holds),
        Case("n: {lt: 10}", #"{"n":10}"#, .fails),
        Case("n: {lte: 10}", #"{"n":1e1}"#, .holds),
        Case("n: {lte: 10}", #"{"n":10.01}"#, .fails),
        Case("n: {gt: -1.5}", #"{"n":-1}"#, .holds),
        Case("n: {gte: 1, lte: 5}", #"{"n":3}"#, .holds),
        Case("n: {gte: 1, lte: 5}", #"{"n":6}"#, .fails),
        Case("n: {gte: 1, lte: 5}", #"{"n":"3"}"#, .error),
        Case("n: {exists: true}", #"{"n":null}"#, .holds),
        Case("n: {exists: true}", "{}", .fails),
        Case("n: {exists: false}", "{}", .holds),
        Case("n: {exists: false}", #"{"n":0}"#, .fails),
        Case("a.b: {equals: v}", #"{"a":{"b":"v"}}"#, .holds),
        Case("a.b: {equals: v}", #"{"a":{"c":"v"}}"#, .fails),
        Case("a.b: {equals: v}", #"{"a":"b"}"#, .fails),
        Case("a.b.c: {exists: true}", #"{"a":{"b":{"c":false}}}"#, .holds),
        Case("files.0.path: {glob: '/etc/*'}", #"{"files":[{"path":"/etc/passwd"}]}"#, .holds),
        Case("files.0.path: {glob: '/etc/*'}", #"{"files":[]}"#, .fails),
        Case("files.0.path: {glob: '/etc/*'}", #"{"files":[{"path":"/tmp"},{"path":"/etc/x"}]}"#, .fails),
        Case("files.1: {equals: b}", #"{"files":["a","b"]}"#, .holds),
        Case("files.2: {exists: true}", #"{"files":["a","b"]}"#, .fails),
        Case("flag: true", #"{"flag":true}"#, .holds),
        Case("flag: true", #"{"flag":"true"}"#, .error),
        Case("nothing: null", #"{"nothing":null}"#, .holds),
        // Numbers read two ways (as written, as doubles) that the rule decides differently for: an error.
        Case("n: {gt: 9007199254740992}", #"{"n":9007199254740993}"#, .error),
        Case("n: {lte: 9007199254740992}", #"{"n":9007199254740993}"#, .error),
        Case("n: {gt: 0.3}", #"{"n":0.30000000000000001}"#, .error),
        Case("n: {lt: 1000000}", #"{"n":999999.99999999999999}"#, .error),
        Case("n: {gte: 1000000}", #"{"n":999999.99999999999999}"#, .error),
        Case("n: {equals: 9007199254740992}", #"{"n":9007199254740993}"#, .error),
        Case("n: {not_in: [100]}", #"{"n":100.000000000000001}"#, .error),
        Case("n: {equals: 1000000}", #"{"n":1000000.00000000000001}"#, .error),
        Case("n: {gt: 1e3}", #"{"n":1000.0000000000000001}"#, .error),
        Case("n: {lt: 0}", #"{"n":-1e-400}"#, .error),
        Case("b: {equals: [1, 2]}", #"{"b":[1, 2.0000000000000001]}"#, .error),
        // Where both readings agree, the exact one decides as before.
        Case("n: {gt: 1000}", #"{"n":1e400}"#, .holds),
        Case("n: {equals: 0}", #"{"n":-0.0e5}"#, .holds),
        Case("n: {gt: 9007199254740992}", #"{"n":9007199254740994}"#, .holds),
        Case("n: {lt: 0.5}", #"{"n":0.4999}"#, .holds),
        // Strings compare byte for byte: U+212A (Kelvin) is not K to a server.
        Case("unit: {equals: K}", #"{"unit":"\u212A"}"#, .fails),
        Case("unit: {in: [K]}", #"{"unit":"\u212A"}"#, .fails),
        Case("name: {equals: é}", #"{"name":"e\u0301"}"#, .fails),
        // A string holding JSON is an array or object to servers that decode such strings.
        Case("paths.0: {glob: '/etc/**'}", #"{"paths":"[\"/etc/passwd\"]"}"#, .error),
        Case("o.mode: {equals: safe}", #"{"o":" {\"mode\":\"unsafe\"}"}"#, .error),
        Case("o.mode: {equals: safe}", #"{"o":"[not json"}"#, .fails),
        // A variant of the key a rule reads is what Go and C# servers read under that name.
        Case("path: {glob: '/etc/**'}", #"{"Path":"/etc/passwd"}"#, .error),
        Case("path: {exists: false}", #"{"PATH":"x"}"#, .error),
        Case("file_name: {equals: a}", #"{"fileName":"b"}"#, .error),
        Case("opts.mode: {equals: safe}", #"{"opts":{"Mode":"unsafe"}}"#, .error),
        Case("opts.mode: {equals: safe}", #"{"Opts":{"mode":"safe"}}"#, .error),
        Case("path: {glob: '/etc/**'}", #"{"paths":"/etc/passwd"}"#, .fails),
    ]

    @Test(arguments: cases)
    func evaluatesOperators(_ testCase: Case) throws {
        let policy = try loadPolicy(
            "version: 1\ntools:\n  - name: t\n    decision: deny\n    when:\n      \(testCase.condition)\n")
        let rule = try #require(policy.rules.first)
        let outcome = rule.conditionsOutcome(try json(testCase.arguments))
        switch (outcome, testCase.expected) {
        case (.holds, .holds), (.fails, .fails), (.error, .error): break
        default: Issue.record("expected \(testCase.expected), got \(outcome)")
        }
        // The relay reads arguments where they lie in the frame: the same outcome, message included.
        let frame = bytes(" " + testCase.arguments + " ")
        #expect(rule.conditionsOutcome(JSONSlice(frame, range: 0..<frame.count)) == outcome)
    }

    @Test func typeErrorsNameTheArgumentAndTheRule() throws {
        let policy = try loadPolicy(
            "version: 1\ntools:\n  - name: t\n    decision: deny\n    when:\n      opts.size: {gt: 1}\n")
        let outcome = try #require(policy.rules.first).conditionsOutcome(try json(#"{"opts":{"size":"big"}}"#))
        #expect(outcome == .error("argument `opts.size` is a string but the rule at policy.yaml:6 expects a number"))
    }

    @Test func splitsPathsIntoComponents() {
        let condition = ArgumentCondition(
            path: "files.0.path", operators: [], location: SourceLocation(file: "p", line: 1, column: 1))
        #expect(condition.components == ["files", "0", "path"])
        #expect(condition.evaluate(JSONValue.object([])) == .holds)
    }
}
