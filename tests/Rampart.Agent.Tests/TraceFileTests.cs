using Microsoft.Extensions.Logging;
using Rampart.Agent.Tracing;

namespace Rampart.Agent.Tests;

public class TraceFileTests
{
    [Fact]
    public void WriteLine_PastTheLimit_RollsOverToBak()
    {
        using var home = new TempHome();
        var path = Path.Combine(home.Path, "ike.log");
        using var trace = new TraceFile(path, maximumBytes: 4096, enabled: true);
        var line = new string('x', 99);
        for (var i = 0; i < 100; i++)
        {
            trace.WriteLine(line);
        }

        trace.Flush();
        var current = File.ReadAllLines(path);
        var rolled = File.ReadAllLines(path + ".bak");
        Assert.True(new FileInfo(path).Length <= 4096);
        Assert.Equal(4096 / 100, rolled.Length);
        Assert.All(current.Concat(rolled), l => Assert.Equal(line, l));
        Assert.Equal(100 % (4096 / 100), current.Length);
    }

    [Fact]
    public void Constructor_KeepsThePreviousRunAsLast_AndStartsEmpty()
    {
        using var home = new TempHome();
        var path = Path.Combine(home.Path, "agent.log");
        File.WriteAllText(path, "previous run\n");
        using var trace = new TraceFile(path, 4096, enabled: true);
        Assert.False(File.Exists(path));
        Assert.Equal("previous run\n", File.ReadAllText(path + ".last"));
        trace.WriteLine("this run");
        trace.Flush();
        Assert.Equal("this run\n", File.ReadAllText(path));
    }

    [Fact]
    public void Provider_RoutesIkeAndAgentCategories_AndHonoursTheSwitch()
    {
        using var home = new TempHome();
        using (var provider = new TraceFileLoggerProvider(home.Path))
        {
            provider.CreateLogger("Rampart.Ike.V1.MainMode").LogDebug("sent main mode message 1");
            provider.CreateLogger("Rampart.Agent.PolicyAgent").LogInformation("policy Partner applied");
            provider.CreateLogger("Microsoft.Hosting.Lifetime").LogInformation("not ours");
            provider.SetEnabled(TraceKind.Ike, false);
            provider.CreateLogger("Rampart.Ike.V1.MainMode").LogDebug("must not appear");

            provider.Flush();
            Assert.Contains("sent main mode message 1", File.ReadAllText(provider.PathOf(TraceKind.Ike)), StringComparison.Ordinal);
            Assert.DoesNotContain("must not appear", File.ReadAllText(provider.PathOf(TraceKind.Ike)), StringComparison.Ordinal);
            var agent = File.ReadAllText(provider.PathOf(TraceKind.Agent));
            Assert.Contains("policy Partner applied", agent, StringComparison.Ordinal);
            Assert.DoesNotContain("not ours", agent, StringComparison.Ordinal);
        }

        // The switch survives a restart.
        using var restarted = new TraceFileLoggerProvider(home.Path);
        Assert.False(restarted.IsEnabled(TraceKind.Ike));
        Assert.True(restarted.IsEnabled(TraceKind.Agent));
    }

    [Fact]
    public void WriteLine_ReachesTheFileInTheBackground_InOrder()
    {
        using var home = new TempHome();
        var path = Path.Combine(home.Path, "ike.log");
        using var trace = new TraceFile(path, 1024 * 1024, enabled: true);
        var lines = Enumerable.Range(0, 200).Select(i => $"line {i}").ToList();
        foreach (var line in lines)
        {
            trace.WriteLine(line);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((!File.Exists(path) || File.ReadAllLines(path).Length < lines.Count) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(lines, File.ReadAllLines(path));
    }
}
