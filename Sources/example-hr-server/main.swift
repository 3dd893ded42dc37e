import ExampleServer
import Foundation

exit(ExampleHRServer.runStdio(arguments: Array(CommandLine.arguments.dropFirst())))
