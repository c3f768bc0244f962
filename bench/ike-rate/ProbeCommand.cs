using System.Globalization;

namespace Rampart.IkeRate;

/// <summary>
/// <c>ike-rate probe --label TEXT --port N --concurrency K [--warmup N] [--timeout SECONDS] [--resend-ms N]
/// [--sources ADDRESSES] ADDRESSES...</c>: one negotiation per address through the agents' data paths (see <see cref="NegotiationProber"/>);
/// with <c>--sources</c> (a comma-separated list of addresses or ranges) the i-th destination is probed from the i-th
/// source. The first <c>--warmup</c> destinations are negotiated first and not counted. Prints a <c>BENCH rate</c> line; exit 1 on any failure.
/// </summary>
internal static class ProbeCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var label = "Rampart agents";
        int port = 0, concurrency = 0, warmup = 0, timeoutSeconds = 60, resendMilliseconds = 1000;
        var ranges = new List<string>();
        string[] sourceRanges = [];
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--label" when value is not null:
                    label = value;
                    i++;
                    break;
                case "--sources" when value is not null:
                    sourceRanges = value.Split(',');
                    i++;
                    break;
                case "--port" when int.TryParse(value, CultureInfo.InvariantCulture, out port):
                case "--concurrency" when int.TryParse(value, CultureInfo.InvariantCulture, out concurrency):
                case "--warmup" when int.TryParse(value, CultureInfo.InvariantCulture, out warmup):
                case "--timeout" when int.TryParse(value, CultureInfo.InvariantCulture, out timeoutSeconds):
                case "--resend-ms" when int.TryParse(value, CultureInfo.InvariantCulture, out resendMilliseconds):
                    i++;
                    break;
                default:
                    ranges.Add(args[i]);
                    break;
            }
        }

        if (!AddressRange.TryParseAll(ranges, out var addresses, out var bad) || !AddressRange.TryParseAll(sourceRanges, out var sources, out bad))
        {
            Console.Error.WriteLine($"ike-rate probe: not an address or range: {bad}");
            return 2;
        }

        if (port is < 1 or > 65535 || concurrency < 1 || warmup < 0 || timeoutSeconds < 1 || resendMilliseconds < 1 || addresses.Count <= warmup
            || (sources.Count > 0 && sources.Count < addresses.Count))
        {
            Console.Error.WriteLine("usage: ike-rate probe --label TEXT --port N --concurrency K [--warmup N] [--timeout SECONDS] [--resend-ms N] [--sources LIST] ADDRESS|A.B.C.X-Y...");
            Console.Error.WriteLine("       (--sources needs at least as many addresses as there are destinations)");
            return 2;
        }

        var targets = addresses.Select((destination, i) => new ProbeTarget(destination, sources.Count > 0 ? sources[i] : null)).ToList();
        var prober = new NegotiationProber(port, TimeSpan.FromMilliseconds(resendMilliseconds), TimeSpan.FromSeconds(timeoutSeconds));
        if (warmup > 0)
        {
            var warm = await prober.RunAsync(targets[..warmup], Math.Min(concurrency, warmup)).ConfigureAwait(false);
            Console.WriteLine(Invariant($"    warm-up: {warm.Completed} of {warmup} negotiations in {warm.Elapsed.TotalSeconds:0.000} s (not counted)"));
            if (warm.Failed > 0)
            {
                Console.Error.WriteLine("ike-rate probe: the warm-up negotiations did not all complete; is IKE working between the hosts?");
                return 1;
            }
        }

        var result = await prober.RunAsync(targets[warmup..], concurrency).ConfigureAwait(false);
        Console.WriteLine(Invariant(
            $"BENCH rate {label}: {result.Completed} Main Mode + Quick Mode in {result.Elapsed.TotalSeconds:0.000} s = {result.PerSecond:0.0} /s (concurrency={concurrency}, resend every {resendMilliseconds} ms, failed={result.Failed}, resent={result.Resent})"));
        Console.WriteLine(Invariant(
            $"    latency first datagram -> echo: p50 {result.Percentile(50):0} ms, p90 {result.Percentile(90):0} ms, p99 {result.Percentile(99):0} ms, max {result.Percentile(100):0} ms"));
        return result.Failed == 0 ? 0 : 1;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
