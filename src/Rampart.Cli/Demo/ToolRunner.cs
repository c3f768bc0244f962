using System.Diagnostics;

namespace Rampart.Cli.Demo;

/// <summary>Runs a system tool without a shell (arguments passed as a list) and collects its output.</summary>
internal static class ToolRunner
{
    /// <summary>Runs <paramref name="command"/>, writing <paramref name="input"/> (a key, never put in argv) to its standard input.</summary>
    public static ToolResult Run(IReadOnlyList<string> command, TimeSpan timeout, string? input = null)
    {
        using var process = Process.Start(StartInfo(command, redirect: true)) ?? throw new IOException(command[0] + " did not start");
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ToolResult(-1, output.Result, $"{string.Join(' ', command)} did not finish within {timeout.TotalSeconds:0} s");
        }

        process.WaitForExit();
        return new ToolResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Whether <paramref name="tool"/> is an executable on PATH (or in the sbin directories root uses).</summary>
    public static bool IsInstalled(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, tool)));

    public static ProcessStartInfo StartInfo(IReadOnlyList<string> command, bool redirect)
    {
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = redirect,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}

/// <summary>Exit code and output of a finished tool.</summary>
internal sealed record ToolResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public string Message => (Error.Trim().Length > 0 ? Error : Output).Trim();
}
