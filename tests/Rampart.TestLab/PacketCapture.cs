using Rampart.Lab;

namespace Rampart.TestLab;

/// <summary>
/// tshark capturing on a device inside a namespace into a pcap; <see cref="Stop"/> ends it cleanly and
/// <see cref="Fields(string, string[])"/> reads the capture back as tab-separated tshark fields.
/// </summary>
public sealed class PacketCapture : IDisposable
{
    private readonly BackgroundProcess _tshark;
    private readonly string _directory;

    public PacketCapture(NetworkNamespacePair pair, string ns, string device, string filter = "ip or ip6")
    {
        ArgumentNullException.ThrowIfNull(pair);
        Prerequisites.Require("tshark");
        _directory = Directory.CreateTempSubdirectory("rpt-capture-").FullName;
        PcapPath = Path.Combine(_directory, "capture.pcapng");
        _tshark = pair.StartProcess(ns, "tshark", "-q", "-n", "-i", device, "-f", filter, "-w", PcapPath);
        _tshark.WaitForText("Capturing on", TimeSpan.FromSeconds(30));

        // dumpcap reports before its socket sees the first packet.
        Thread.Sleep(500);
    }

    public string PcapPath { get; }

    /// <summary>Stops capturing and waits until tshark has written everything.</summary>
    public void Stop()
    {
        // Let the last packets reach the capture buffer before interrupting.
        Thread.Sleep(500);
        _tshark.Interrupt(TimeSpan.FromSeconds(30));
    }

    /// <summary>One row per packet matching <paramref name="displayFilter"/>, one column per field.</summary>
    public IReadOnlyList<string[]> Fields(string displayFilter, params string[] fields) => Fields([], displayFilter, fields);

    /// <summary>As <see cref="Fields(string, string[])"/>, reading with extra tshark options (e.g. decryption keys).</summary>
    public IReadOnlyList<string[]> Fields(IEnumerable<string> options, string displayFilter, params string[] fields)
    {
        var arguments = new List<string> { "-r", PcapPath, "-n", "-T", "fields", "-E", "separator=\t" };
        arguments.AddRange(options);
        if (displayFilter.Length > 0)
        {
            arguments.AddRange(["-Y", displayFilter]);
        }

        foreach (string field in fields.Length > 0 ? fields : ["frame.number"])
        {
            arguments.AddRange(["-e", field]);
        }

        var result = Tool.Run(["tshark", .. arguments]).EnsureSuccess("tshark -r");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
    }

    /// <summary>The Ethernet frames matching <paramref name="displayFilter"/>, byte for byte (to replay them).</summary>
    public IReadOnlyList<byte[]> Frames(string displayFilter)
    {
        string pcap = Path.Combine(_directory, "frames.pcap");
        Tool.Run("tshark", "-r", PcapPath, "-Y", displayFilter, "-F", "pcap", "-w", pcap).EnsureSuccess("tshark -F pcap");
        return ClassicPcap.ReadFrames(File.ReadAllBytes(pcap));
    }

    public void Dispose()
    {
        _tshark.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
