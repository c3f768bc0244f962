namespace Rampart.Agent.Tests;

/// <summary>A private RAMPART_HOME for one test, removed afterwards.</summary>
public sealed class TempHome : IDisposable
{
    public TempHome() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rampart-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
