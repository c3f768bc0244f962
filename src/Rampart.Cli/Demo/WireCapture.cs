using Rampart.Lab;

namespace Rampart.Cli.Demo;

/// <summary>
/// tcpdump on a host's veth into a pcap file; after <see cref="Stop"/>, <see cref="Count"/> reads what crossed the
/// wire by protocol, which is how the demo proves the pings were secured rather than trusting the agents.
/// </summary>
internal sealed class WireCapture : IDisposable
{
    private readonly BackgroundProcess _tcpdump;

    public WireCapture(AgentHost host, string name)
    {
        ArgumentNullException.ThrowIfNull(host);
        PcapPath = Path.Combine(Path.GetDirectoryName(host.Home)!, name + ".pcap");
        _tcpdump = new BackgroundProcess(["ip", "netns", "exec", host.Namespace, "tcpdump", "-i", host.Device, "-nn", "-U", "-w", PcapPath]);
        try
        {
            _tcpdump.WaitForText("listening on", TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException e)
        {
            _tcpdump.Dispose();
            throw new DemoFailureException("tcpdump did not start: " + e.Message);
        }
    }

    public string PcapPath { get; }

    /// <summary>Stops capturing once the last packets reached the file.</summary>
    public void Stop()
    {
        Thread.Sleep(300);
        _tcpdump.Interrupt(TimeSpan.FromSeconds(10));
    }

    /// <summary>Packets of each kind in the capture.</summary>
    public WireCounts Count() => new(
        Packets(WireFilters.Esp),
        Packets(WireFilters.Ah),
        Packets(WireFilters.ClearEcho),
        Packets(WireFilters.Ike));

    public void Dispose() => _tcpdump.Dispose();

    private int Packets(string filter)
    {
        var result = Tool.Run(["tcpdump", "-r", PcapPath, "-nn", "-q", filter], TimeSpan.FromSeconds(30));
        return result.Succeeded
            ? result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length
            : throw new DemoFailureException($"tcpdump -r {PcapPath}: {result.Message}");
    }
}

/// <summary>The capture filters (pcap syntax) that classify what crossed the wire.</summary>
internal static class WireFilters
{
    /// <summary>ESP, raw or in UDP 4500 (RFC 3948: ESP starts with a non-zero SPI where IKE has four zero bytes).</summary>
    public const string Esp = "ip proto 50 or (udp port 4500 and udp[4:2] > 12 and udp[8:4] != 0)";

    public const string Ah = "ip proto 51";

    /// <summary>Echo requests and replies in clear: an AH or ESP packet carries protocol 51/50, never 1.</summary>
    public const string ClearEcho = "icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply";

    public const string Ike = "udp port 500 or (udp port 4500 and udp[4:2] > 12 and udp[8:4] == 0)";
}

/// <summary>What a capture saw: secured packets, clear echo packets, IKE messages.</summary>
internal readonly record struct WireCounts(int Esp, int Ah, int ClearEcho, int Ike)
{
    public int Secured => Esp + Ah;

    public override string ToString() => $"{Esp} ESP, {Ah} AH, {ClearEcho} clear ICMP echo, {Ike} IKE";
}
