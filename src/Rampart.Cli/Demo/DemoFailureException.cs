namespace Rampart.Cli.Demo;

/// <summary>The demo cannot go on; the message says why.</summary>
internal sealed class DemoFailureException(string message) : Exception(message);
