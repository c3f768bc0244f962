using System.Globalization;
using Rampart.Integration.Tests.Harness;
using Rampart.Lab;
using Rampart.TestLab;

namespace Rampart.Integration.Tests.Agent;

/// <summary>
/// The real rampartd in each of two namespaces and the real CLI: manual SAs added with the same commands on both
/// hosts secure an unmodified ping and TCP transfer; the link carries only ESP (or AH, or ESP in UDP 4500).
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class AgentEndToEndTests
{
    private const long TransferBytes = 8 * 1024 * 1024;
    private const int EthernetHeader = 14;

    /// <summary>Echo data that fills the 1500-byte link exactly: 1500 - 40 (IPv6) - 8 (ICMPv6).</summary>
    private const int FullSizeIpv6Echo = 1452;

    [Theory]
    [InlineData("aes-gcm-128", "transport", false)]
    [InlineData("aes-cbc-128-sha256", "transport", false)]
    [InlineData("ah-sha256", "transport", false)]
    [InlineData("aes-gcm-128", "transport", true)]
    [InlineData("aes-gcm-128", "tunnel", false)]
    [InlineData("aes-cbc-128-sha256", "tunnel", false)]
    [InlineData("ah-sha256", "tunnel", false)]
    [InlineData("aes-cbc-128-sha256", "tunnel", true)]
    public async Task ManualSas_SecurePingAndTcp_OnlyProtectedPacketsOnTheLink(string algorithm, string mode, bool udp)
    {
        Prerequisites.Require("ping", "tshark", "iptables-restore");
        using var pair = new NetworkNamespacePair();
        var a = new AgentHost(pair, pair.A).Start();
        var b = new AgentHost(pair, pair.B).Start();
        var sas = new ManualSaPair(algorithm, mode, udp);
        sas.AddTo(a);
        sas.AddTo(b);
        using var capture = new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA, "ip");

        // Seven echoes for the five the checks below need: under load the capture may miss the first one or two.
        Ping(pair.A, NetworkNamespacePair.AddressB, count: 5).EnsureSuccess("ping through " + sas);
        Ping(pair.A, NetworkNamespacePair.AddressB, count: 2, size: 1472).EnsureSuccess("full-size ping (DF) through " + sas);
        var transfer = await TcpTransfer.RunAsync(pair.A, pair.B, NetworkNamespacePair.AddressB, TransferBytes, TimeSpan.FromSeconds(90));
        capture.Stop();

        Assert.True(transfer.Completed, $"the TCP transfer through {sas} stalled");
        Assert.Equal(TransferBytes, transfer.BytesReceived);
        Assert.Equal(transfer.SentHash, transfer.ReceivedHash);

        Assert.Empty(capture.Fields(sas.ForbiddenOnWire, "frame.number", "_ws.col.Protocol", "_ws.col.Info"));
        Assert.Empty(capture.Fields(sas.IsAh ? "(icmp or tcp) and not ah" : "icmp or tcp"));
        var lengths = capture.Fields(string.Empty, "frame.len").Select(row => int.Parse(row[0], CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(lengths.Max(), 1400, 1500 + EthernetHeader);

        if (!sas.IsAh)
        {
            var decrypted = sas.TsharkDecryptionOptions();
            Assert.Empty(capture.Fields(decrypted, "esp.icv_bad == 1"));
            Assert.NotEmpty(capture.Fields(decrypted, "esp.icv_good == 1"));
            Assert.True(capture.Fields(decrypted, "icmp.type == 8").Count >= 5, "tshark did not decrypt the echo requests");
            Assert.True(capture.Fields(decrypted, "icmp.type == 0").Count >= 5, "tshark did not decrypt the echo replies");
            Assert.NotEmpty(capture.Fields(decrypted, "tcp.len > 1000"));
        }

        AssertCounted(a, b);
    }

    /// <summary>
    /// The same over IPv6. IPv6 has no DF bit and routers never fragment: a full-size packet that outgrows the link
    /// after the transform is fragmented by the sending host, after the queue's verdict, because its sender allows it
    /// (PMTU discovery "want", ping's default); the peer reassembles the ESP packet before its queue.
    /// </summary>
    [Theory]
    [InlineData("aes-gcm-128", "transport")]
    [InlineData("aes-cbc-128-sha256", "transport")]
    [InlineData("aes-gcm-128", "tunnel")]
    [InlineData("aes-cbc-128-sha256", "tunnel")]
    public async Task ManualSas_Ipv6_SecurePingAndTcp_FullSizeFragmentedAfterTheTransform(string algorithm, string mode)
    {
        Prerequisites.Require("ping", "tshark", "ip6tables-restore");
        using var pair = new NetworkNamespacePair();
        var a = new AgentHost(pair, pair.A, NetworkNamespacePair.Address6A).Start();
        var b = new AgentHost(pair, pair.B, NetworkNamespacePair.Address6B).Start();
        var sas = new ManualSaPair(algorithm, mode, UdpEncapsulated: false, Ipv6: true);
        sas.AddTo(a);
        sas.AddTo(b);
        using var capture = new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA, "ip6");

        Ping(pair.A, NetworkNamespacePair.Address6B, count: 5).EnsureSuccess("ping6 through " + sas);
        Ping(pair.A, NetworkNamespacePair.Address6B, count: 2, size: FullSizeIpv6Echo).EnsureSuccess("full-size ping6 through " + sas);
        var transfer = await TcpTransfer.RunAsync(pair.A, pair.B, NetworkNamespacePair.Address6B, TransferBytes, TimeSpan.FromSeconds(90));
        capture.Stop();

        Assert.True(transfer.Completed, $"the TCP transfer through {sas} stalled");
        Assert.Equal(TransferBytes, transfer.BytesReceived);
        Assert.Equal(transfer.SentHash, transfer.ReceivedHash);

        Assert.Empty(capture.Fields(sas.ForbiddenOnWire, "frame.number", "_ws.col.Protocol", "_ws.col.Info"));
        Assert.Empty(capture.Fields("icmpv6.type == 128 or icmpv6.type == 129 or tcp"));
        var lengths = capture.Fields(string.Empty, "frame.len").Select(row => int.Parse(row[0], CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(lengths.Max(), 1400, 1500 + EthernetHeader);

        // The full-size echoes left A, and came back from B, as ESP in fragments (first fragments: more follow).
        var firstFragments = capture.Fields("ipv6.fraghdr.nxt == 50 and ipv6.fraghdr.offset == 0 and ipv6.fraghdr.more == 1", "ipv6.src");
        Assert.True(firstFragments.Count(row => row[0] == NetworkNamespacePair.Address6A) >= 2, "the full-size echo requests did not leave A as fragmented ESP");
        Assert.True(firstFragments.Count(row => row[0] == NetworkNamespacePair.Address6B) >= 2, "the full-size echo replies did not leave B as fragmented ESP");

        var decrypted = sas.TsharkDecryptionOptions();
        Assert.Empty(capture.Fields(decrypted, "esp.icv_bad == 1"));
        Assert.NotEmpty(capture.Fields(decrypted, "esp.icv_good == 1"));
        Assert.True(capture.Fields(decrypted, "icmpv6.type == 128").Count >= 5, "tshark did not decrypt the echo requests");
        Assert.True(capture.Fields(decrypted, "icmpv6.type == 129").Count >= 5, "tshark did not decrypt the echo replies");
        Assert.True(capture.Fields(decrypted, $"icmpv6.type == 129 and data.len == {FullSizeIpv6Echo}").Count >= 1, "no full-size echo reply decrypted");
        Assert.NotEmpty(capture.Fields(decrypted, "tcp.len > 1000"));

        AssertCounted(a, b);
    }

    [Fact]
    public void TamperedAndReplayedEsp_InjectedOnTheLink_AreCountedAndDropped()
    {
        Prerequisites.Require("ping", "tshark", "iptables-restore", "python3");
        using var pair = new NetworkNamespacePair();
        var a = new AgentHost(pair, pair.A).Start();
        var b = new AgentHost(pair, pair.B).Start();
        var sas = new ManualSaPair("aes-gcm-128", "transport", UdpEncapsulated: false);
        sas.AddTo(a);
        sas.AddTo(b);
        using var capture = new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA, "ip proto 50");
        Ping(pair.A, NetworkNamespacePair.AddressB, count: 3).EnsureSuccess("ping");
        capture.Stop();
        var sent = capture.Frames("ip.src == " + NetworkNamespacePair.AddressA);
        Assert.Equal(3, sent.Count);
        var before = b.SaBySpi()[ManualSaPair.SpiAToB];

        // Replayed: the same frame again, written straight onto the link (a packet socket bypasses A's netfilter).
        Inject(pair.A, sent[0], sent[1]);

        // Tampered: a fresh sequence number (so the replay window lets it through) and one flipped ciphertext bit.
        byte[] tampered = (byte[])sent[2].Clone();
        int esp = EthernetHeader + (tampered[EthernetHeader] & 0x0f) * 4;
        tampered[esp + 4] = 0x00;
        tampered[esp + 5] = 0x10;
        tampered[^20] ^= 0x01;
        Inject(pair.A, tampered);

        var after = WaitFor(() => b.SaBySpi()[ManualSaPair.SpiAToB], row => Count(row, "notAuthenticated") > 0 && Count(row, "replayDrops") >= 2);
        Assert.Equal(Count(before, "replayDrops") + 2, Count(after, "replayDrops"));
        Assert.Equal(Count(before, "notAuthenticated") + 1, Count(after, "notAuthenticated"));
        Assert.Equal(Count(before, "packets"), Count(after, "packets"));

        // The forged sequence number did not move the window: the next real packets still pass.
        Ping(pair.A, NetworkNamespacePair.AddressB, count: 2).EnsureSuccess("ping after the injected packets");
        Assert.Equal(Count(before, "packets") + 2, Count(b.SaBySpi()[ManualSaPair.SpiAToB], "packets"));
    }

    [Fact]
    public async Task AgentKilledMidTransfer_LeaksNoClearPacket_AndTrafficResumesOnlyWithSasReAdded()
    {
        Prerequisites.Require("ping", "tshark", "iptables-restore");
        using var pair = new NetworkNamespacePair();
        var a = new AgentHost(pair, pair.A).Start();
        var b = new AgentHost(pair, pair.B).Start();
        var sas = new ManualSaPair("aes-gcm-128", "transport", UdpEncapsulated: false);
        sas.AddTo(a);
        sas.AddTo(b);
        using var capture = new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA, "ip");

        int killed = 0;
        var transfer = await TcpTransfer.RunAsync(pair.A, pair.B, NetworkNamespacePair.AddressB, 1L << 34, TimeSpan.FromSeconds(15), received =>
        {
            if (received >= 5_000_000 && Interlocked.Exchange(ref killed, 1) == 0)
            {
                a.Kill();
            }
        });
        Assert.Equal(1, killed);
        Assert.False(transfer.Completed, "the transfer went on without the agent");
        Assert.True(a.HasExited);

        Assert.NotEqual(0, Ping(pair.A, NetworkNamespacePair.AddressB, count: 2).ExitCode);
        Assert.NotEqual(0, Ping(pair.B, NetworkNamespacePair.AddressA, count: 2).ExitCode);

        // Restarted without keys, the agent remembers which traffic its manual SAs covered and keeps it blocked.
        a.Start();
        Assert.Contains("keys lost", a.SaBySpi()[ManualSaPair.SpiAToB].GetProperty("security").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(0, Ping(pair.A, NetworkNamespacePair.AddressB, count: 2).ExitCode);

        // The restarted agent has no keys; B's inbound SA still expects A's old sequence numbers: re-add on both.
        ManualSaPair.DeleteFrom(b);
        sas.AddTo(a);
        sas.AddTo(b);
        Ping(pair.A, NetworkNamespacePair.AddressB, count: 2).EnsureSuccess("ping once the SAs are re-added");
        capture.Stop();

        Assert.Empty(capture.Fields("not esp", "frame.number", "_ws.col.Protocol", "_ws.col.Info"));
    }

    private static ToolResult Ping(string ns, string address, int count, int size = 56) =>
        NetworkNamespacePair.Exec(ns, "ping", "-n", "-c", Text(count), "-i", "0.2", "-W", "2", "-s", Text(size), address);

    private static void Inject(string ns, params byte[][] frames)
    {
        const string Script = "import socket,sys\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind((sys.argv[1],0))\nfor f in sys.argv[2:]: s.send(bytes.fromhex(f))";
        NetworkNamespacePair.Exec(ns, ["python3", "-c", Script, NetworkNamespacePair.DeviceA, .. frames.Select(Convert.ToHexString)])
            .EnsureSuccess("inject frames");
    }

    private static void AssertCounted(AgentHost a, AgentHost b)
    {
        var onA = a.SaBySpi();
        var onB = b.SaBySpi();
        Assert.Equal("outbound", onA[ManualSaPair.SpiAToB].GetProperty("direction").GetString());
        Assert.True(Count(onA[ManualSaPair.SpiAToB], "packets") > 5000, "A's outbound SA did not count the transfer");
        Assert.True(Count(onB[ManualSaPair.SpiAToB], "packets") > 5000, "B's inbound SA did not count the transfer");
        Assert.True(Count(onB[ManualSaPair.SpiBToA], "packets") > 5, "B's outbound SA did not count the replies");
        Assert.True(Count(onA[ManualSaPair.SpiBToA], "packets") > 5, "A's inbound SA did not count the replies");
        Assert.Equal(0, Count(onB[ManualSaPair.SpiAToB], "notAuthenticated") + Count(onB[ManualSaPair.SpiAToB], "replayDrops"));
    }

    private static long Count(System.Text.Json.JsonElement row, string counter) => row.GetProperty(counter).GetInt64();

    private static T WaitFor<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var value = read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
            value = read();
        }

        return value;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
