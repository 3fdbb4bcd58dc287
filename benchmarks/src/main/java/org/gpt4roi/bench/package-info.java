/** JMH kernel benchmarks and whole-stage benchmark commands. */
package org.gpt4roi.bench;
