#include "bench/bench_util.h"

#include <stdio.h>
#include <time.h>

static uint64_t rng_state;

double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double bench_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_rng_seed(uint64_t seed)
{
	rng_state = seed;
}

uint64_t bench_rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t bench_rng_u32(void)
{
	return (uint32_t)(bench_rng_next() >> 32);
}

uint32_t bench_rng_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)bench_rng_u32() * n) >> 32);
}

void bench_print_num(const char *name, double value, const char *unit)
{
	if (value >= 1000 || value == (double)(uint64_t)value) {
		printf("%-44s %22.0f  %s\n", name, value, unit);
	} else {
		printf("%-44s %22.3f  %s\n", name, value, unit);
	}
}

void bench_print_str(const char *name, const char *value, const char *unit)
{
	printf("%-44s %22s  %s\n", name, value, unit);
}
