using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Rampart.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Rampart.Integration.Tests.StandIn;

/// <summary>
/// A measurement, not a timed test: iperf3 TCP over the plain veth and through the stand-in transform on
/// both hosts, in the same run. Prints Mbit/s, packets per second through the queues, average batch
/// size and where the queue threads spend their time; asserts only that traffic flowed.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class ThroughputMeasurement(ITestOutputHelper output)
{
    private const int Seconds = 5;

    [Fact]
    public void IperfTcp_PlainVethAndThroughStandIn_Measured()
    {
        Prerequisites.Require("iperf3", "iptables-restore", "ip6tables-restore");
        using var pair = new NetworkNamespacePair();

        double plain = RunIperf(pair).BitsPerSecond;

        var hostA = pair.Own(new StandInHost(pair.A, NetworkNamespacePair.AddressB));
        var hostB = pair.Own(new StandInHost(pair.B, NetworkNamespacePair.AddressA));
        var (standIn, retransmits, elapsed) = RunIperf(pair);
        hostA.ThrowIfFailed();
        hostB.ThrowIfFailed();

        long packets = hostA.PacketsQueued + hostB.PacketsQueued;
        long batches = hostA.Batches + hostB.Batches;
        var ticksA = hostA.Ticks;
        var ticksB = hostB.Ticks;
        double busyMicroseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency / packets;
        string report = string.Create(
            CultureInfo.InvariantCulture,
            $"""
            iperf3 TCP {Seconds} s, 1 stream, 192.0.2.1 -> 192.0.2.2
            plain veth:             {plain / 1e6,8:F0} Mbit/s
            through XOR stand-in:   {standIn / 1e6,8:F0} Mbit/s (ratio {standIn / plain:F3}), {retransmits} retransmits
            packets through queues: {packets / elapsed.TotalSeconds,8:F0} pps (4 queues, both hosts), {(double)packets / Math.Max(1, batches):F1} per batch
            per packet, summed over queue threads: handler {busyMicroseconds(ticksA.Handle + ticksB.Handle):F2} us, verdict sendmsg {busyMicroseconds(ticksA.Verdict + ticksB.Verdict):F2} us, recvmmsg incl. waiting {busyMicroseconds(ticksA.Receive + ticksB.Receive):F2} us
            """);
        output.WriteLine(report);
        Console.WriteLine(report);

        Assert.True(plain > 0);
        Assert.True(standIn > 0, "no TCP throughput through the stand-in");
        Assert.True(packets > 1000, "the queues saw almost no packets");
    }

    private static (double BitsPerSecond, long Retransmits, TimeSpan Elapsed) RunIperf(NetworkNamespacePair pair)
    {
        using var server = pair.StartProcess(pair.B, "iperf3", "-s", "-1", "--forceflush", "-B", NetworkNamespacePair.AddressB);
        server.WaitForText("Server listening", TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();
        var client = NetworkNamespacePair.Exec(
            pair.A, "iperf3", "-c", NetworkNamespacePair.AddressB, "-t", Seconds.ToString(CultureInfo.InvariantCulture), "-J")
            .EnsureSuccess("iperf3 client");
        watch.Stop();
        using var json = JsonDocument.Parse(client.Output);
        var end = json.RootElement.GetProperty("end");
        return (
            end.GetProperty("sum_received").GetProperty("bits_per_second").GetDouble(),
            end.GetProperty("sum_sent").GetProperty("retransmits").GetInt64(),
            watch.Elapsed);
    }
}
