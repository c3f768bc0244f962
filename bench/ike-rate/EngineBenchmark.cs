using System.Diagnostics;
using System.Globalization;
using Rampart.Core.Algorithms;
using Rampart.Ike.Crypto;

namespace Rampart.IkeRate;

/// <summary>
/// <c>ike-rate engines COUNT THREADS</c>: IKEv1 Main Mode + Quick Mode negotiations per second between Rampart engines
/// in memory (PSK, aes128-sha256, ESP AES-GCM-128), with DH 14 and DH 19; each thread drives its own pair.
/// </summary>
internal static class EngineBenchmark
{
    private static readonly byte[][] Prefixes = [[198, 51, 100], [203, 0, 113], [192, 0, 2]];

    public static int Run(int count, int threads)
    {
        if (threads < 1 || threads > Prefixes.Length)
        {
            Console.Error.WriteLine($"ike-rate: THREADS must be 1 to {Prefixes.Length} (one documentation /24 of initiators each)");
            return 2;
        }

        var failed = false;
        foreach (var (name, group) in new[] { ("aes128-sha256-modp2048", DhGroup.Modp2048), ("aes128-sha256-ecp256", DhGroup.Ecp256) })
        {
            failed |= !RunGroup(name, group, count, threads);
        }

        return failed ? 1 : 0;
    }

    private static bool RunGroup(string name, DhGroup group, int count, int threads)
    {
        var perThread = (count + threads - 1) / threads;

        // Warm up (JIT, crypto providers) outside the measurement.
        using (var warm = new EnginePair(group, Prefixes[0]))
        {
            for (var i = 0; i < 20; i++)
            {
                warm.Negotiate();
            }
        }

        var pairs = Prefixes.Take(threads).Select(prefix => new EnginePair(group, prefix)).ToList();
        var failures = 0;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(pairs, new ParallelOptions { MaxDegreeOfParallelism = threads }, pair =>
        {
            for (var i = 0; i < perThread; i++)
            {
                if (!pair.Negotiate())
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        clock.Stop();
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        pairs.ForEach(pair => pair.Dispose());
        var total = perThread * threads;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"BENCH rate Rampart IKEv1 PSK {name}: {total - failures} Main Mode + Quick Mode (in memory, both engines on this machine) in {clock.Elapsed.TotalSeconds:0.000} s = {(total - failures) / clock.Elapsed.TotalSeconds:0.0} /s (threads={threads}, failed={failures})"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"    CPU per negotiation, both engines: {cpu.TotalMilliseconds / total:0.00} ms, of which Diffie-Hellman {DiffieHellmanMilliseconds(group):0.00} ms (two key pairs, two agreements)"));
        return failures == 0;
    }

    /// <summary>The DH work of one negotiation alone (both sides), to tell where the time goes.</summary>
    private static double DiffieHellmanMilliseconds(DhGroup group)
    {
        const int Rounds = 50;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Rounds; i++)
        {
            using var initiator = DiffieHellmanFactory.Create(group);
            using var responder = DiffieHellmanFactory.Create(group);
            if (!initiator.TryComputeSharedSecret(responder.PublicValue, out _) || !responder.TryComputeSharedSecret(initiator.PublicValue, out _))
            {
                throw new InvalidOperationException("Diffie-Hellman failed");
            }
        }

        return clock.Elapsed.TotalMilliseconds / Rounds;
    }
}
