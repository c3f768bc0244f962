using System.Diagnostics;

namespace Rampart.Interop.Tests.Harness;

/// <summary>Runs tools without a shell (arguments as a list) with optional extra environment variables.</summary>
public static class Tool
{
    public static ToolResult Run(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(command, environment)) ?? throw new InvalidOperationException(command[0] + " did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {limit}");
        }

        process.WaitForExit();
        return new ToolResult(string.Join(' ', command), process.ExitCode, output.Result, error.Result);
    }

    public static ProcessStartInfo StartInfo(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }
}

public sealed record ToolResult(string Command, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public ToolResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{Command} exited {ExitCode}: {Error.Trim()} {Output.Trim()}");
        }

        return this;
    }
}
