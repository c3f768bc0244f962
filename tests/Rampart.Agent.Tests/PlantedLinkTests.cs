using Rampart.Agent.Auditing;
using Rampart.Agent.Tracing;

namespace Rampart.Agent.Tests;

/// <summary>A symbolic link planted where the agent keeps a file is refused, never written through.</summary>
public class PlantedLinkTests
{
    [Fact]
    public void TraceFile_LinkPlantedAtItsPath_IsNotWrittenThrough_AndTheWriterLivesOn()
    {
        using var home = new TempHome();
        var path = Path.Combine(home.Path, "agent.log");
        var victim = Path.Combine(home.Path, "outside", "victim");
        Directory.CreateDirectory(Path.GetDirectoryName(victim)!);
        using var trace = new TraceFile(path, 4096, enabled: true);

        // A dangling link: following it would create the victim.
        File.CreateSymbolicLink(path, victim);
        trace.WriteLine("must not reach the victim");
        trace.Flush();

        Assert.False(File.Exists(victim));
        Assert.False(trace.Enabled);

        // Once the link is gone, switching the trace on again writes the real file.
        File.Delete(path);
        trace.Enabled = true;
        trace.WriteLine("back");
        trace.Flush();
        Assert.Equal("back\n", File.ReadAllText(path));
    }

    [Fact]
    public void TraceFile_LinkFoundAtStart_IsRefused()
    {
        using var home = new TempHome();
        var path = Path.Combine(home.Path, "agent.log");
        var victim = Path.Combine(home.Path, "victim");
        File.CreateSymbolicLink(path, victim);

        var error = Assert.ThrowsAny<IOException>(() => new TraceFile(path, 4096, enabled: true).Dispose());

        Assert.Equal($"refusing trace file {path}: it is a symbolic link (to {victim}); remove it", error.Message);
        Assert.False(File.Exists(victim));
        Assert.Equal(victim, new FileInfo(path).LinkTarget);
    }

    [Fact]
    public void AuditLog_LinkPlantedAtAuditDb_IsRefused()
    {
        using var home = new TempHome();
        var link = Path.Combine(home.Path, "audit.db");
        var victim = Path.Combine(home.Path, "victim");
        File.CreateSymbolicLink(link, victim);

        var error = Assert.ThrowsAny<IOException>(() => new AuditLog(home.Path).Dispose());

        Assert.Equal($"refusing RAMPART_HOME {home.Path}: {link} is a symbolic link (to {victim}); remove it", error.Message);
        Assert.False(File.Exists(victim));
    }
}
