using Rampart.Lab;

namespace Rampart.Cli.Tests;

/// <summary>Runs the built <c>rampart</c> CLI as a separate process with its own temporary RAMPART_HOME.</summary>
public sealed class RampartProcess : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rampart-cli-" + Guid.NewGuid().ToString("N"));

    public RampartProcess() => Home = Path.Combine(_root, "home");

    public string Home { get; }

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Rampart.slnx")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    public CliResult Run(params string[] args) => RunWithInput(null, args);

    public CliResult RunWithInput(string? input, params string[] args)
    {
        var result = Tool.Run(
            ["dotnet", Path.Combine(AppContext.BaseDirectory, "rampart.dll"), .. args],
            TimeSpan.FromSeconds(60),
            input,
            new Dictionary<string, string> { ["RAMPART_HOME"] = Home });
        return new CliResult(result.ExitCode, result.Output, result.Error);
    }

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public string Ok(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 0, $"rampart {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}");
        return result.Stdout;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);
