using System.Diagnostics;

namespace Rampart.Lab;

/// <summary>Runs a tool to its end without a shell: arguments go as a list, nothing is interpreted.</summary>
public static class Tool
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    public static ToolResult Run(params string[] command) => Run((IReadOnlyList<string>)command);

    /// <summary>
    /// Runs <paramref name="command"/> with extra <paramref name="environment"/> variables, writing <paramref name="input"/>
    /// (a key, which must never be in argv) to its standard input. Past <paramref name="timeout"/> it is killed and
    /// <see cref="TimeoutException"/> thrown.
    /// </summary>
    public static ToolResult Run(
        IReadOnlyList<string> command, TimeSpan? timeout = null, string? input = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var process = Process.Start(StartInfo(command, environment)) ?? throw new InvalidOperationException(command[0] + " did not start");
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? DefaultTimeout;
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {limit.TotalSeconds:0} s");
        }

        process.WaitForExit();
        return new ToolResult(string.Join(' ', command), process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Whether <paramref name="tool"/> is an executable on PATH or in the sbin directories root uses.</summary>
    public static bool IsInstalled(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, tool)));

    /// <summary>Standard streams redirected, no shell, <paramref name="environment"/> added to ours.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(command);
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
