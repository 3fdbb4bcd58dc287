package org.gpt4roi.app;

/** Entry point of the gpt4roi command (placeholder until the command line lands). */
public final class Main {
    public static void main(String[] args) {
        System.out.println("gpt4roi: the command line is being built");
    }
}
