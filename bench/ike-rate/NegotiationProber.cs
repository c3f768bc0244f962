using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rampart.IkeRate;

/// <summary>What one probe run measured: echoes received, targets given up, targets that needed more than one datagram.</summary>
internal sealed record ProbeResult(int Completed, int Failed, int Resent, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMilliseconds)
{
    public double PerSecond => Completed / Elapsed.TotalSeconds;

    /// <summary>The nearest-rank percentile of the latencies (0 when none).</summary>
    public double Percentile(double percent)
    {
        if (LatenciesMilliseconds.Count == 0)
        {
            return 0;
        }

        var sorted = LatenciesMilliseconds.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>One probe: the address to reach and, optionally, the local address to send from.</summary>
internal sealed record ProbeTarget(IPAddress Destination, IPAddress? Source);

/// <summary>
/// Sends one UDP datagram to each target (at most <c>concurrency</c> outstanding) and waits for its echo, resending
/// every <c>resend</c> until <c>timeout</c>. Behind a Negotiate filter the first datagram starts IKE and the echo
/// comes back only once both hosts installed their SAs, so an echo is one completed negotiation.
/// </summary>
internal sealed class NegotiationProber(int port, TimeSpan resend, TimeSpan timeout)
{
    private static readonly byte[] Payload = "rampart ike-rate probe"u8.ToArray();

    public async Task<ProbeResult> RunAsync(IReadOnlyList<ProbeTarget> targets, int concurrency)
    {
        var next = -1;
        var failed = 0;
        var resent = 0;
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < targets.Count)
            {
                var (latency, sends) = await ProbeAsync(targets[index]).ConfigureAwait(false);
                if (latency is { } milliseconds)
                {
                    latencies.Add(milliseconds);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }

                if (sends > 1)
                {
                    Interlocked.Increment(ref resent);
                }
            }
        })).ConfigureAwait(false);
        clock.Stop();
        return new ProbeResult(latencies.Count, failed, resent, clock.Elapsed, [.. latencies]);
    }

    /// <summary>Milliseconds from the first datagram to the echo (null on timeout), and how many datagrams it took.</summary>
    private async Task<(double? Latency, int Sends)> ProbeAsync(ProbeTarget target)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(target.Source ?? IPAddress.Any, 0));
        var destination = new IPEndPoint(target.Destination, port);
        var buffer = new byte[Payload.Length + 64];
        var started = Stopwatch.GetTimestamp();
        var sends = 0;
        while (true)
        {
            var left = timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return (null, sends);
            }

            await socket.SendToAsync(Payload, SocketFlags.None, destination).ConfigureAwait(false);
            sends++;
            using var wait = new CancellationTokenSource(left < resend ? left : resend);
            try
            {
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wait.Token).ConfigureAwait(false);
                    if (((IPEndPoint)received.RemoteEndPoint).Equals(destination))
                    {
                        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, sends);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // No echo yet: the negotiation is still running (or the held datagram was dropped): send again.
            }
            catch (SocketException)
            {
                // ICMP unreachable for an earlier datagram: try again after the resend interval.
                await Task.Delay(left < resend ? left : resend).ConfigureAwait(false);
            }
        }
    }
}
