using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Rampart.Benchmarks.EspBenchmarks).Assembly).Run(args);
