using System.Diagnostics;

namespace Rampart.Integration.Tests.Harness;

/// <summary>Runs tools without a shell (arguments passed as a list, nothing interpreted).</summary>
public static class Shell
{
    public static CommandResult Run(string fileName, params string[] arguments) => Run(TimeSpan.FromSeconds(120), fileName, arguments);

    public static CommandResult Run(TimeSpan timeout, string fileName, params string[] arguments)
    {
        using var process = Process.Start(CreateStartInfo(fileName, arguments)) ?? throw new InvalidOperationException(fileName + " did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        process.WaitForExit();
        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }

    public static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
