namespace Rampart.Lab;

/// <summary>The command line, exit code and output of a finished tool.</summary>
public sealed record ToolResult(string Command, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>What the tool said: its standard error, or its output when that is empty.</summary>
    public string Message => (Error.Trim().Length > 0 ? Error : Output).Trim();

    public ToolResult EnsureSuccess() => EnsureSuccess(Command);

    /// <summary>Throws, naming <paramref name="what"/> and quoting the tool, unless it exited 0.</summary>
    public ToolResult EnsureSuccess(string what) => Succeeded
        ? this
        : throw new InvalidOperationException($"{what} failed with exit code {ExitCode}: {Error.Trim()} {Output.Trim()}");
}
