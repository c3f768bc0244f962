namespace Rampart.Integration.Tests.Harness;

/// <summary>Exit code and output of a finished command.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public CommandResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed with exit code {ExitCode}: {Error.Trim()} {Output.Trim()}");
        }

        return this;
    }
}
