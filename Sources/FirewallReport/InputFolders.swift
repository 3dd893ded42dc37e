import Foundation

/// Input paths named on a command line, folders opened up: shared by `report`, `test` and `policy diff`.
package enum InputFolders {
    /// One file to read, and the path named on the command line that led to it.
    package struct File: Sendable, Equatable {
        package var path: String
        /// The file itself when it was named, else the folder it was found in.
        package var named: String

        /// Whether the file was found in a folder rather than named.
        package var inFolder: Bool { path != named }
    }

    /// A named path that gave no file: it does not exist, or it is a folder with no file of the kinds asked for.
    package struct Problem: Sendable, Equatable {
        package var path: String
        package var message: String
    }

    /// Files as given; folders expanded to the files in them (recursively, sorted by path) whose names end in
    /// one of `extensions` (such as `.jsonl`).
    package static func expand(_ paths: [String], extensions: [String]) -> (files: [File], problems: [Problem]) {
        var files: [File] = []
        var problems: [Problem] = []
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
                problems.append(Problem(path: path, message: "no such file or folder"))
                continue
            }
            guard isFolder.boolValue else {
                files.append(File(path: path, named: path))
                continue
            }
            let found = (manager.subpaths(atPath: path) ?? []).filter { name in
                extensions.contains { name.hasSuffix($0) }
            }
            .sorted().map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
            if found.isEmpty {
                problems.append(Problem(path: path, message: "the folder holds no \(listed(extensions)) file"))
            }
            files += found.map { File(path: $0, named: path) }
        }
        return (files, problems)
    }

    /// `[".a", ".b", ".c"]` as ".a, .b or .c".
    static func listed(_ extensions: [String]) -> String {
        guard let last = extensions.last, extensions.count > 1 else { return extensions.first ?? "" }
        return extensions.dropLast().joined(separator: ", ") + " or " + last
    }
}
