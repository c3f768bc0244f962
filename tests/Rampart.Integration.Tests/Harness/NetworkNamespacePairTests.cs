using Rampart.Lab;

namespace Rampart.Integration.Tests.Harness;

/// <summary>The harness itself: the link works, and nothing survives Dispose, even processes left behind.</summary>
[Collection(NetnsCollection.Name)]
public sealed class NetworkNamespacePairTests
{
    [Fact]
    public void Dispose_KillsStartedProcessesAndDeletesNamespaces()
    {
        Prerequisites.Require("ping");
        int sleeperId;
        string a;
        string b;
        using (var pair = new NetworkNamespacePair())
        {
            a = pair.A;
            b = pair.B;
            Assert.Equal(0, NetworkNamespacePair.Exec(pair.A, "ping", "-c", "1", "-W", "2", NetworkNamespacePair.AddressB).ExitCode);
            Assert.Equal(0, NetworkNamespacePair.Exec(pair.B, "ping", "-6", "-c", "1", "-W", "2", NetworkNamespacePair.Address6A).ExitCode);
            Assert.Equal("0", NetworkNamespacePair.Exec(pair.A, "sysctl", "-n", "net.ipv4.conf.veth-a.rp_filter").Output.Trim());
            var sleeper = pair.StartProcess(pair.A, "sleep", "600");
            sleeperId = sleeper.Id;
            Assert.False(sleeper.HasExited);
        }

        Assert.False(Directory.Exists($"/proc/{sleeperId}"), "the started process survived");
        Assert.False(File.Exists("/var/run/netns/" + a));
        Assert.False(File.Exists("/var/run/netns/" + b));
    }

    [Fact]
    public void NewPair_RemovesStaleNamespacesOfDeadRuns()
    {
        // PID 999999 exceeds pid_max on this kernel's default, so no live process owns it.
        const string Stale = "rpt-999999-1-a";
        Tool.Run("ip", "netns", "add", Stale).EnsureSuccess("stale namespace");

        using var pair = new NetworkNamespacePair();

        Assert.False(File.Exists("/var/run/netns/" + Stale));
    }
}
