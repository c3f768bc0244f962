namespace Rampart.Integration.Tests.Harness;

/// <summary>
/// tshark capturing on a device inside a namespace into a pcap; <see cref="Stop"/> ends it cleanly and
/// <see cref="Fields"/> reads the capture back as tab-separated tshark fields.
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
    public IReadOnlyList<string[]> Fields(string displayFilter, params string[] fields)
    {
        var arguments = new List<string> { "-r", PcapPath, "-n", "-T", "fields", "-E", "separator=\t" };
        if (displayFilter.Length > 0)
        {
            arguments.AddRange(["-Y", displayFilter]);
        }

        foreach (string field in fields.Length > 0 ? fields : ["frame.number"])
        {
            arguments.AddRange(["-e", field]);
        }

        var result = Shell.Run("tshark", [.. arguments]).EnsureSuccess("tshark -r");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
    }

    public void Dispose()
    {
        _tshark.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
