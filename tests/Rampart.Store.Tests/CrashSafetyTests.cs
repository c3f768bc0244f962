using System.Diagnostics;
using Rampart.Store.CrashWriter;
using Xunit.Abstractions;

namespace Rampart.Store.Tests;

public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 30;

    private readonly string _home = Path.Combine(Path.GetTempPath(), "rampart-crash-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void KillNine_WhileWriting_LeavesAnIntactCommittedState()
    {
        using (var store = SqlitePolicyStore.Open(_home))
        {
            Assert.True(store.Update(CrashSteps.Setup).Committed);
        }

        var writer = Path.Combine(AppContext.BaseDirectory, "Rampart.Store.CrashWriter.dll");
        Assert.True(File.Exists(writer), $"crash writer not built at {writer}");
        var random = new Random(20261127);
        var acknowledged = 0;
        for (var round = 0; round < Kills; round++)
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", [writer, _home])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            try
            {
                // Wait for the first commit so the kill lands while writes are in flight, then a random moment.
                var first = process.StandardOutput.ReadLine();
                if (first is null)
                {
                    Assert.Fail("crash writer exited early: " + process.StandardError.ReadToEnd());
                }

                acknowledged = int.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
                Thread.Sleep(random.Next(0, 150));
            }
            finally
            {
                process.Kill(); // SIGKILL on Linux
                process.WaitForExit();
            }

            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                acknowledged = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
            }

            using var reopened = SqlitePolicyStore.Open(_home);
            Assert.Equal("ok", reopened.CheckIntegrity());
            var snapshot = reopened.Load();
            var count = snapshot.FindFilterList(CrashSteps.Name)!.Filters.Count;
            Assert.InRange(count, acknowledged, acknowledged + 1); // every acknowledged write survived; at most one more
            Assert.Equal(CrashSteps.Expected(snapshot, count), snapshot);
        }

        Assert.True(acknowledged > Kills, $"only {acknowledged} writes in {Kills} rounds");
        output.WriteLine($"{Kills} kill -9 rounds, {acknowledged} committed writes, every reopen intact");
    }

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }
}
